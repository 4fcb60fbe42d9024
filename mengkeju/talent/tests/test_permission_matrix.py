"""Who sees what: the role × page table of docs/talent.md, for the web pages and the API."""

import pytest
from django.test import Client

from mengkeju.talent import permissions

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "expert",
    "university_member",
    "enterprise_member",
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "analyst",
    "hq_operator",
    "platform_admin",
]
# (page, role) -> status; anonymous visitors are sent to the login page (302).
POOL = {
    "staff_in_scope": 200,
    "staff_out_of_scope": 200,
    "broker_in_scope": 200,
    "analyst": 200,
    "hq_operator": 200,
    "platform_admin": 200,
}
DASHBOARD = {
    "staff_in_scope": 200,
    "staff_out_of_scope": 200,
    "analyst": 200,
    "hq_operator": 200,
    "platform_admin": 200,
}
MANAGE = {"staff_in_scope": 200, "staff_out_of_scope": 200, "hq_operator": 200, "platform_admin": 200}
# The exchange of the professor (university → enterprise in Baotou, confirmed by the Baotou sub-center).
EXCHANGE = {
    "university_member": 200,
    "enterprise_member": 200,
    "staff_in_scope": 200,
    "broker_in_scope": 200,
    "analyst": 200,
    "hq_operator": 200,
    "platform_admin": 200,
}


def expected(table, role):
    return 302 if role == "anonymous" else table.get(role, 403)


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(role, roles, professor, exchange):
    client = client_of(roles[role])
    assert client.get("/talent/").status_code == expected(POOL, role)
    assert client.get(f"/talent/people/{professor.pk}/").status_code == expected(POOL, role)
    assert client.get("/talent/dashboard/").status_code == expected(DASHBOARD, role)
    assert client.get("/talent/dashboard/talent.xlsx").status_code == expected(DASHBOARD, role)
    assert client.get(f"/talent/exchanges/{exchange.pk}/").status_code == expected(EXCHANGE, role)
    assert client.get("/talent/exchanges/").status_code == (302 if role == "anonymous" else 200)
    assert client.get("/talent/people/new/").status_code == expected(MANAGE, role)


@pytest.mark.parametrize("role", ROLES)
def test_api_per_role(role, roles, professor, exchange):
    client = client_of(roles[role])
    people = client.get("/api/talent/people/")
    detail = client.get(f"/api/talent/exchanges/{exchange.pk}/")
    if role == "anonymous":
        assert people.status_code == 401 and detail.status_code == 401
        return
    assert people.status_code == 200
    assert (people.json()["count"] == 1) == (role in POOL)
    assert detail.status_code == (200 if role in EXCHANGE else 404)


@pytest.mark.parametrize("role", ROLES)
def test_the_rules_agree_with_the_table(role, roles, exchange):
    user = roles[role]
    assert permissions.can_view_pool(user) == (role in POOL)
    assert permissions.can_view_dashboard(user) == (role in DASHBOARD)
    assert permissions.can_view_exchange(user, exchange) == (role in EXCHANGE)
    assert permissions.can_decide_tier(user) == (role in ("hq_operator", "platform_admin"))


@pytest.mark.parametrize("role", ROLES)
def test_confirming_sides_per_role(role, roles, exchange):
    sides = {
        "university_member": ["home"],
        "enterprise_member": ["host"],
        "staff_in_scope": ["sub_center"],
        "hq_operator": ["sub_center"],
        "platform_admin": ["sub_center"],
    }
    assert permissions.confirming_sides(roles[role], exchange) == sides.get(role, [])


def test_the_navigation_shows_talent_to_the_pool_roles(roles):
    assert 'id="nav-talent"' in client_of(roles["analyst"]).get("/talent/").content.decode()
    assert (
        'id="nav-talent"' not in client_of(roles["other_member"]).get("/talent/exchanges/").content.decode()
    )
