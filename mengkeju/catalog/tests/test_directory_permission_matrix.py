"""Role × action: who may create, edit, retire (and see retired) experts, platforms and services.

The expected table is written once and checked against the rules, the web forms and the REST API.
The entry lies in Baotou (150200), served by `sub_right`; `sub_other` serves Chifeng.
"""

import pytest
from rest_framework.test import APIClient

from mengkeju.catalog import permissions
from mengkeju.catalog.models import DirectoryEvent, Expert, Platform, Service
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory, division

pytestmark = pytest.mark.django_db
Role = User.Role

ROLES = [
    "anonymous",
    "hq",
    "admin",
    "sub_right",
    "sub_other",
    "broker",
    "enterprise",
    "researcher",
    "expert_own",
    "expert_other",
    "analyst",
]
MANAGERS = {"hq", "admin", "sub_right"}
EXPECTED = {
    "create": MANAGERS,
    "edit": MANAGERS,  # every field (tier, organization …)
    "edit_own_fields": MANAGERS | {"expert_own"},  # field, title, biography, chain links
    "retire": MANAGERS,
    "see_retired": MANAGERS,
}


@pytest.fixture
def cast(orgs):
    university = OrganizationFactory(name="内蒙古示例大学", kind=Organization.Kind.UNIVERSITY)
    return {
        "anonymous": None,
        "hq": UserFactory(role=Role.HQ_OPERATOR, organization=orgs["hq"]),
        "admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=orgs["hq"]),
        "sub_right": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["baotou_sub"]),
        "sub_other": UserFactory(role=Role.SUBCENTER_STAFF, organization=orgs["chifeng_sub"]),
        "broker": UserFactory(role=Role.BROKER, organization=orgs["baotou_sub"]),
        "enterprise": UserFactory(role=Role.MEMBER, organization=orgs["enterprise"]),
        "researcher": UserFactory(role=Role.MEMBER, organization=university),
        "expert_own": UserFactory(role=Role.EXPERT),
        "expert_other": UserFactory(role=Role.EXPERT),
        "analyst": UserFactory(role=Role.ANALYST),
    }


@pytest.fixture
def expert(orgs, cast):
    e = Expert.objects.create(
        name="王稀土",
        tier=Expert.Tier.LEADING,
        title="研究员",
        organization=orgs["enterprise"],
        division=division("150200"),
        field="稀土永磁",
        bio="长期从事稀土永磁材料研究。",
        user=cast["expert_own"],
    )
    Expert.objects.create(
        name="另一位专家",
        tier=Expert.Tier.RESERVE,
        organization=orgs["enterprise"],
        division=division("150200"),
        user=cast["expert_other"],
    )
    return e


def _web(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _api(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def _expert_form(orgs, name="新专家甲"):
    return {
        "name": name,
        "tier": "reserve",
        "title": "高级工程师",
        "organization": orgs["enterprise"].code,
        "division": "150200",
        "field": "新材料",
        "chain_links": ["rare-earth.magnets"],
        "bio": "从事磁材工艺研究。",
        "account": "",
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_rules_match_the_table(role, cast, expert):
    user = cast[role]
    assert permissions.can_manage_directory(user, expert.division_id) is (role in EXPECTED["create"])
    assert permissions.can_manage_resource(user, expert) is (role in EXPECTED["edit"])
    assert permissions.can_edit_resource(user, expert) is (role in EXPECTED["edit_own_fields"])


@pytest.mark.parametrize("role", ROLES)
def test_web_forms_follow_the_table(role, cast, expert, orgs, client):
    user = cast[role]
    web = _web(client, user)
    may = {action: role in roles for action, roles in EXPECTED.items()}

    # create
    web.post("/experts/new/", _expert_form(orgs, f"新专家{role}"))
    assert Expert.objects.filter(name=f"新专家{role}").exists() is may["create"], role

    # edit every field (the tier)
    data = _expert_form(orgs, expert.name) | {"tier": "strategic"}
    web.post(f"/experts/{expert.pk}/edit/", data)
    expert.refresh_from_db()
    assert (expert.tier == "strategic") is may["edit"], role

    # the expert's own open fields; their form has no tier, so a posted tier changes nothing
    own = {
        "title": "教授",
        "field": "稀土功能材料",
        "bio": f"更新：{role}",
        "tier": "reserve",
        "chain_links": [],
    }
    web.post(f"/experts/{expert.pk}/edit/", (data | own) if may["edit"] else own)
    expert.refresh_from_db()
    assert (expert.bio == f"更新：{role}") is may["edit_own_fields"], role
    if role == "expert_own":
        assert expert.tier == Expert.Tier.LEADING  # unchanged
        assert expert.chain_links.count() == 0

    # retire, then who still sees it
    web.post(f"/experts/{expert.pk}/retire/", {"reason": "调离"})
    expert.refresh_from_db()
    assert (expert.retired_at is not None) is may["retire"], role
    if expert.retired_at is None:
        Expert.objects.filter(pk=expert.pk).update(retired_at="2026-01-01T00:00:00+08:00")
    assert (web.get(f"/experts/{expert.pk}/").status_code == 200) is may["see_retired"], role
    listed = web.get("/experts/?state=all").content.decode()
    assert ("王稀土" in listed) is may["see_retired"], role


@pytest.mark.parametrize("role", ROLES)
def test_the_api_follows_the_table(role, cast, expert, orgs):
    user = cast[role]
    api = _api(user)
    may = {action: role in roles for action, roles in EXPECTED.items()}
    denied = 401 if user is None else 403

    body = _expert_form(orgs, f"接口专家{role}")
    body.pop("account")
    answer = api.post("/api/experts/", body, format="json")
    assert answer.status_code == (201 if may["create"] else denied), (role, answer.content)

    answer = api.patch(f"/api/experts/{expert.pk}/", {"tier": "strategic"}, format="json")
    expected = 200 if may["edit"] else 400 if may["edit_own_fields"] else denied
    assert answer.status_code == expected, (role, answer.content)
    if role == "expert_own":
        assert answer.json()["codes"] == {"tier": ["not_yours"]}

    answer = api.patch(f"/api/experts/{expert.pk}/", {"bio": "接口更新"}, format="json")
    assert answer.status_code == (200 if may["edit_own_fields"] else denied), (role, answer.content)

    answer = api.post(f"/api/experts/{expert.pk}/retire/", {"reason": "调离"}, format="json")
    assert answer.status_code == (200 if may["retire"] else denied), (role, answer.content)
    if not may["retire"]:
        Expert.objects.filter(pk=expert.pk).update(retired_at="2026-01-01T00:00:00+08:00")
    assert (api.get(f"/api/experts/{expert.pk}/").status_code == 200) is may["see_retired"], role
    if may["retire"]:
        assert api.post(f"/api/experts/{expert.pk}/restore/", format="json").status_code == 200
        assert Expert.objects.get(pk=expert.pk).retired_at is None


def test_a_sub_center_may_not_move_an_entry_out_of_its_divisions(cast, expert, orgs):
    answer = _api(cast["sub_right"]).patch(
        f"/api/experts/{expert.pk}/", {"division": "150400"}, format="json"
    )
    assert answer.status_code == 403
    assert Expert.objects.get(pk=expert.pk).division.code == "150200"


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        (
            "/api/platforms/",
            {"name": "稀土磁材中试平台", "kind": "pilot_platform", "level": "regional", "division": "150200"},
            Platform,
        ),
        ("/api/services/", {"name": "磁性能检测", "kind": "testing", "division": "150200"}, Service),
    ],
)
def test_platforms_and_services_are_written_by_the_sub_center_of_their_division(
    path, body, model, cast, orgs
):
    org_field = "organization" if model is Platform else "provider"
    body = body | {org_field: orgs["enterprise"].code, "chain_links": ["rare-earth.magnets"]}
    assert _api(cast["sub_other"]).post(path, body, format="json").status_code == 403
    assert _api(cast["enterprise"]).post(path, body, format="json").status_code == 403
    answer = _api(cast["sub_right"]).post(path, body, format="json")
    assert answer.status_code == 201, answer.content
    created = model.objects.get(pk=answer.json()["id"])
    events = DirectoryEvent.objects.filter(
        resource_id=created.pk, resource_kind=path.split("/")[2].rstrip("s")
    )
    assert [e.action for e in events] == ["create"]
    assert events[0].actor == cast["sub_right"]
