"""Role × record state × action: who may see and change an achievement or demand.

The expected table is written out in full; each cell is checked against the permission rules,
the list queries (selectors), the web pages and the REST API, so they cannot drift apart.
"""

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from mengkeju.catalog import permissions, selectors, services
from mengkeju.catalog.models import Achievement, Action, Demand, Status

from .factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "expert",
    "owner",
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "hq_operator",
    "platform_admin",
]
STATES = [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED, Status.WITHDRAWN]
ALL = set(STATES)
NON_DRAFT = {Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED, Status.WITHDRAWN}
PUBLISHED = {Status.PUBLISHED}

# For each role, the states in which the action is allowed.
EXPECTED = {
    "view": {
        "anonymous": PUBLISHED,
        "expert": PUBLISHED,
        "owner": ALL,
        "other_member": PUBLISHED,
        "staff_in_scope": NON_DRAFT,
        "staff_out_of_scope": PUBLISHED,
        "broker_in_scope": NON_DRAFT,
        "hq_operator": NON_DRAFT,
        "platform_admin": ALL,
    },
    "edit": {
        "anonymous": set(),
        "expert": set(),
        "owner": {Status.DRAFT, Status.RETURNED},
        "other_member": set(),
        "staff_in_scope": NON_DRAFT,
        "staff_out_of_scope": set(),
        "broker_in_scope": set(),
        "hq_operator": NON_DRAFT,
        "platform_admin": ALL,
    },
    "review": {
        "anonymous": set(),
        "expert": set(),
        "owner": set(),
        "other_member": set(),
        "staff_in_scope": {Status.SUBMITTED},
        "staff_out_of_scope": set(),
        "broker_in_scope": set(),
        "hq_operator": {Status.SUBMITTED},
        "platform_admin": {Status.SUBMITTED},
    },
    "withdraw": {
        "anonymous": set(),
        "expert": set(),
        "owner": {Status.SUBMITTED, Status.PUBLISHED},
        "other_member": set(),
        "staff_in_scope": {Status.SUBMITTED, Status.PUBLISHED},
        "staff_out_of_scope": set(),
        "broker_in_scope": set(),
        "hq_operator": {Status.SUBMITTED, Status.PUBLISHED},
        "platform_admin": {Status.SUBMITTED, Status.PUBLISHED},
    },
    "submit": {role: ({Status.DRAFT, Status.RETURNED} if role == "owner" else set()) for role in ROLES},
}
CHECKS = {
    "view": permissions.can_view,
    "edit": permissions.can_edit,
    "review": permissions.can_review,
    "withdraw": permissions.can_withdraw,
    "submit": permissions.can_submit,
}
KINDS = {
    "achievement": (AchievementFactory, selectors.visible_achievements, "achievements"),
    "demand": (DemandFactory, selectors.visible_demands, "demands"),
}


def _make(kind, state, orgs, people):
    factory = KINDS[kind][0]
    return factory(status=state, owner=orgs["enterprise"], created_by=people["owner"])


def _user(people, role):
    from django.contrib.auth.models import AnonymousUser

    return people[role] or AnonymousUser()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_rules_match_the_table(kind, role, orgs, people):
    user = _user(people, role)
    for state in STATES:
        listing = _make(kind, state, orgs, people)
        for action, check in CHECKS.items():
            assert check(user, listing) == (state in EXPECTED[action][role]), (action, role, state)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ROLES)
def test_list_queries_show_exactly_what_may_be_viewed(kind, role, orgs, people):
    user = _user(people, role)
    created = {state: _make(kind, state, orgs, people) for state in STATES}
    visible_ids = set(KINDS[kind][1](user).values_list("pk", flat=True))
    for state, listing in created.items():
        assert (listing.pk in visible_ids) == (state in EXPECTED["view"][role]), (role, state)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ROLES)
def test_web_and_api_enforce_the_same_rules(kind, role, orgs, people, client):
    user = people[role]
    api = APIClient()
    if user is not None:
        client.force_login(user)
        api.force_authenticate(user)
    prefix = KINDS[kind][2]
    for state in STATES:
        listing = _make(kind, state, orgs, people)
        may_view = state in EXPECTED["view"][role]
        assert client.get(f"/{prefix}/{listing.pk}/").status_code == (200 if may_view else 404), (role, state)
        assert api.get(f"/api/{prefix}/{listing.pk}/").status_code == (200 if may_view else 404), (
            role,
            state,
        )
        edit = client.get(f"/{prefix}/{listing.pk}/edit/")
        if user is None:
            assert edit.status_code == 302  # to the login page
        elif may_view:
            assert edit.status_code == (200 if state in EXPECTED["edit"][role] else 403), (role, state)
        patch = api.patch(
            f"/api/{prefix}/{listing.pk}/", {"title": "改过的标题：高温永磁材料"}, format="json"
        )
        if state in EXPECTED["edit"][role]:
            assert patch.status_code == 200, (role, state, patch.content)
        else:
            assert patch.status_code in (401, 403, 404), (role, state, patch.status_code)
        if state not in EXPECTED["edit"][role]:
            listing.refresh_from_db()
            assert listing.title != "改过的标题：高温永磁材料"


@pytest.mark.parametrize("role", ROLES)
def test_forbidden_transitions_raise_and_change_nothing(role, orgs, people):
    user = _user(people, role)
    for state in STATES:
        listing = _make("demand", state, orgs, people)
        for action, rule in (
            (Action.PUBLISH, "review"),
            (Action.WITHDRAW, "withdraw"),
            (Action.SUBMIT, "submit"),
        ):
            if state in EXPECTED[rule][role]:
                continue
            with pytest.raises((PermissionDenied, services.ValidationError)):
                services.transition(listing, action, by=user, reason="理由")
            listing.refresh_from_db()
            assert listing.status == state
            assert not listing.events.exists()


@pytest.mark.parametrize(
    ("role", "may_create"),
    [
        ("anonymous", False),
        ("expert", False),
        ("owner", True),
        ("other_member", False),
        ("staff_in_scope", True),
        ("staff_out_of_scope", False),
        ("broker_in_scope", True),
        ("hq_operator", True),
        ("platform_admin", True),
    ],
)
def test_who_may_publish_on_behalf_of_an_enterprise(role, may_create, orgs, people):
    user = _user(people, role)
    assert permissions.can_create_for(user, orgs["enterprise"], "demand") == may_create
    api = APIClient()
    if people[role] is not None:
        api.force_authenticate(people[role])
    response = api.post(
        "/api/demands/",
        {
            "title": "稀土永磁电机高温退磁攻关",
            "problem": "电机在180℃工况下退磁，需要提高磁体的耐温性能，寻求合作开发。",
            "owner": orgs["enterprise"].code,
            "division": "150200",
            "chain_links": ["rare-earth.applications"],
            "cooperation_modes": ["joint_development"],
        },
        format="json",
    )
    assert response.status_code == (201 if may_create else 403 if people[role] else 401), response.content
    assert Demand.objects.filter(title="稀土永磁电机高温退磁攻关").exists() == may_create


def test_members_cannot_publish_for_a_network_node(people, orgs):
    assert not permissions.can_create_for(people["hq_operator"], orgs["baotou_sub"], "achievement")
    assert not Achievement.objects.filter(owner=orgs["baotou_sub"]).exists()
