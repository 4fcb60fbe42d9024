"""Role × action for the chain map, whitelist, incubation ladder and guidance catalog.

The expected table is written out in full; each cell is checked against the rule functions and
against the web pages or the REST API, so they cannot drift apart.
"""

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from mengkeju.catalog import permissions as catalog_permissions
from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import GuidanceCatalog, Platform, WhitelistStatus
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.insights import chain_permissions
from mengkeju.network import permissions as network_permissions
from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "enterprise_member",
    "platform_owner_member",
    "subcenter_staff",
    "broker",
    "expert",
    "hq_operator",
    "analyst",
    "platform_admin",
]
Y, N = True, False
# action → allowed, in ROLES order
EXPECTED = {
    "view_map": [Y, Y, Y, Y, Y, Y, Y, Y, Y],
    "view_turnover": [N, N, N, N, N, N, Y, Y, Y],
    "export_gaps": [N, N, N, Y, Y, N, Y, Y, Y],
    "apply_whitelist": [N, N, Y, Y, N, N, Y, N, Y],
    "decide_whitelist": [N, N, N, N, N, N, Y, N, Y],
    "whitelist_history": [N, N, Y, Y, Y, N, Y, Y, Y],
    "record_ladder_move": [N, N, N, Y, N, N, Y, N, Y],
    "view_ladder_stays": [N, N, N, Y, N, N, Y, Y, Y],
    "curate_guidance": [N, N, N, N, N, N, Y, N, Y],
    "view_draft_guidance": [N, N, N, N, N, N, Y, Y, Y],
}
CASES = [(action, role, allowed[i]) for action, allowed in EXPECTED.items() for i, role in enumerate(ROLES)]


@pytest.fixture
def world(orgs):
    platform_org = orgs["enterprise"]  # in Baotou, served by the Baotou sub-center
    platform = Platform.objects.create(
        name="稀土永磁中试平台",
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=platform_org,
        division=platform_org.division,
    )
    platform.chain_links.set(ChainLink.objects.filter(code="rare-earth.magnets"))
    R = User.Role
    users = {
        "anonymous": None,
        "enterprise_member": UserFactory(role=R.MEMBER, organization=orgs["other_enterprise"]),
        "platform_owner_member": UserFactory(role=R.MEMBER, organization=platform_org),
        "subcenter_staff": UserFactory(role=R.SUBCENTER_STAFF, organization=orgs["baotou_sub"]),
        "broker": UserFactory(role=R.BROKER, organization=orgs["baotou_sub"]),
        "expert": UserFactory(role=R.EXPERT),
        "hq_operator": UserFactory(role=R.HQ_OPERATOR, organization=orgs["hq"]),
        "analyst": UserFactory(role=R.ANALYST),
        "platform_admin": UserFactory(role=R.PLATFORM_ADMIN, organization=orgs["hq"]),
    }
    return {"platform": platform, "users": users, "enterprise": OrganizationFactory()}


def _rule(action, user, world) -> bool:
    p = world["platform"]
    draft = GuidanceCatalog(year=2020, status=GuidanceCatalog.Status.DRAFT)
    return {
        "view_map": lambda: chain_permissions.can_view_map(user),
        "view_turnover": lambda: chain_permissions.can_view_turnover(user),
        "export_gaps": lambda: chain_permissions.can_export_gaps(user),
        "apply_whitelist": lambda: catalog_permissions.can_apply_for_whitelist(user, p),
        "decide_whitelist": lambda: catalog_permissions.can_decide_whitelist(user),
        "whitelist_history": lambda: catalog_permissions.can_view_whitelist_history(user, p),
        "record_ladder_move": lambda: network_permissions.can_record_ladder_move(user, world["enterprise"]),
        "view_ladder_stays": lambda: network_permissions.can_view_ladder_stays(user),
        "curate_guidance": lambda: catalog_permissions.can_curate_guidance(user),
        "view_draft_guidance": lambda: catalog_permissions.can_view_guidance(user, draft),
    }[action]()


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def _through_interface(action, user, world) -> bool:
    """Do the same thing through a page or the API; True when it was allowed."""
    p = world["platform"]
    year = timezone.localdate().year
    if action == "view_map":
        return _client(user).get("/chains/rare-earth/").status_code == 200
    if action == "view_turnover":
        return 'data-figure="turnover"' in _client(user).get("/chains/rare-earth/").content.decode()
    if action == "export_gaps":
        return _client(user).get("/chains/gaps.xlsx").status_code == 200
    if action == "apply_whitelist":
        response = _api(user).post(f"/api/platforms/{p.pk}/whitelist/", {"action": "apply"}, format="json")
        p.refresh_from_db()
        return response.status_code == 200 and p.whitelist_status == WhitelistStatus.APPLIED
    if action == "decide_whitelist":
        Platform.objects.filter(pk=p.pk).update(whitelist_status=WhitelistStatus.APPLIED)
        response = _api(user).post(f"/api/platforms/{p.pk}/whitelist/", {"action": "review"}, format="json")
        p.refresh_from_db()
        return response.status_code == 200 and p.whitelist_status == WhitelistStatus.UNDER_REVIEW
    if action == "whitelist_history":
        return _api(user).get(f"/api/platforms/{p.pk}/whitelist-events/").status_code == 200
    if action == "record_ladder_move":
        carrier = OrganizationFactory(kind=Organization.Kind.INCUBATOR)
        payload = {
            "enterprise": world["enterprise"].code,
            "carrier": carrier.code,
            "entered_on": "2023-01-01",
        }
        return _api(user).post("/api/ladder/stays/", payload, format="json").status_code == 201
    if action == "view_ladder_stays":
        return _api(user).get("/api/ladder/stays/").status_code == 200
    if action == "curate_guidance":
        return _api(user).post("/api/guidance/", {"year": year}, format="json").status_code == 201
    if action == "view_draft_guidance":
        catalog_services.create_guidance_catalog(year=year, by=world["users"]["hq_operator"])
        return _client(user).get(f"/guidance/{year}/").status_code == 200
    raise AssertionError(action)


@pytest.mark.parametrize(("action", "role", "allowed"), CASES)
def test_permission_matrix(world, action, role, allowed):
    user = world["users"][role]
    assert _rule(action, user, world) is allowed
    assert _through_interface(action, user, world) is allowed


def test_a_published_guidance_catalog_is_public(world):
    hq = world["users"]["hq_operator"]
    catalog = catalog_services.create_guidance_catalog(year=2024, by=hq)
    catalog_services.add_guidance_entry(
        catalog, AchievementFactory(), reason="成熟", application_scenario="稀土电机", by=hq
    )
    catalog_services.publish_guidance_catalog(catalog, by=hq)
    for role in ROLES:
        assert _client(world["users"][role]).get("/guidance/2024/").status_code == 200
