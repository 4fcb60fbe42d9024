"""Who may do what with innovation points, as a matrix over the roles (docs/points.md has the table).

The enterprise is in Baotou (150200): the Baotou sub-center's staff serve it, Chifeng's do not."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import UserFactory

from .. import permissions
from ..models import EnterpriseYear, IndicatorValue, Score
from ..pack import SystemSpec
from ..services import current_system, recompute_scores

ROLES = [
    "anonymous",
    "owner",
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "expert",
    "hq_operator",
    "analyst",
    "platform_admin",
]


@pytest.fixture
def world(points_system, people, orgs):
    people = dict(people)
    people["analyst"] = UserFactory(role=User.Role.ANALYST, organization=orgs["hq"])
    spec = SystemSpec.from_definition(current_system(2025).definition)
    for i, org in enumerate([orgs["enterprise"], orgs["other_enterprise"]]):
        record = EnterpriseYear.objects.create(
            organization=org, year=2025, status=EnterpriseYear.Status.CONFIRMED
        )
        for item in spec.all_items:
            IndicatorValue.objects.create(record=record, code=item.code, value=Decimal(i))
    recompute_scores(2025)
    pending = EnterpriseYear.objects.create(
        organization=Organization.objects.create(
            code="pending-enterprise",
            name="待确认企业",
            kind="enterprise",
            division=orgs["enterprise"].division,
        ),
        year=2025,
        status=EnterpriseYear.Status.ENTERED,
        entered_by=UserFactory(),
    )
    score = Score.objects.get(organization=orgs["enterprise"])
    return {"people": people, "score": score, "pending": pending, "enterprise": orgs["enterprise"]}


def user_of(world, role):
    return world["people"][role]


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


SEES_ENTERPRISE = {"owner", "staff_in_scope", "hq_operator", "platform_admin"}
CONFIRMS = {"staff_in_scope", "hq_operator", "platform_admin"}
RANKING = {"staff_in_scope", "staff_out_of_scope", "hq_operator", "analyst", "platform_admin"}
RANKING_LISTS_IT = {"staff_in_scope", "hq_operator", "analyst", "platform_admin"}
RECOMPUTES = {"hq_operator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_rules(world, role):
    user = user_of(world, role)
    enterprise = world["enterprise"]
    assert permissions.can_view_enterprise_data(user, enterprise) is (role in SEES_ENTERPRISE)
    assert permissions.can_enter_data(user, enterprise) is (role in SEES_ENTERPRISE)
    assert permissions.can_confirm(user, world["pending"]) is (role in CONFIRMS)
    assert permissions.can_view_ranking(user) is (role in RANKING)
    assert permissions.can_recompute(user) is (role in RECOMPUTES)


@pytest.mark.parametrize("role", ROLES)
def test_pages(world, role, client):
    c = client_for(client, user_of(world, role))
    enterprise_page = c.get(reverse("points:enterprise-of", args=[world["enterprise"].pk]) + "?year=2025")
    certificate = c.get(reverse("points:certificate", args=[world["score"].pk]))
    ranking = c.get(reverse("points:ranking") + "?year=2025")
    if role == "anonymous":
        assert {enterprise_page.status_code, certificate.status_code, ranking.status_code} == {302}
        return
    assert enterprise_page.status_code == (200 if role in SEES_ENTERPRISE else 403)
    assert certificate.status_code == (200 if role in SEES_ENTERPRISE else 403)
    if role in SEES_ENTERPRISE:
        assert certificate["Content-Type"] == "application/pdf" and certificate.content.startswith(b"%PDF")
    assert ranking.status_code == (200 if role in RANKING else 403)
    if role in RANKING:
        listed = world["enterprise"].name in ranking.content.decode()
        assert listed is (role in RANKING_LISTS_IT)
    export = c.get(reverse("points:export") + "?year=2025")
    assert export.status_code == (200 if role in RANKING else 403)
    confirm = c.post(reverse("points:confirm", args=[world["pending"].pk]))
    assert confirm.status_code == (302 if role in CONFIRMS else 403)
    recompute = c.post(reverse("points:recompute"), {"year": 2025})
    assert recompute.status_code == (302 if role in RECOMPUTES else 403)


@pytest.mark.parametrize("role", ROLES)
def test_api(world, role, client):
    c = client_for(client, user_of(world, role))
    detail = c.get(f"/api/points/scores/{world['score'].pk}/")
    ranking = c.get("/api/points/scores/?year=2025")
    if role == "anonymous":
        assert detail.status_code in (401, 403) and ranking.status_code in (401, 403)
        return
    assert detail.status_code == (200 if role in SEES_ENTERPRISE else 404)
    if role in SEES_ENTERPRISE:
        assert detail.json()["breakdown"]["indicators"][0]["code"] == "rd_expense"
    ids = (
        {row["organization"] for row in ranking.json()["results"]}
        if "results" in ranking.json()
        else {row["organization"] for row in ranking.json()}
    )
    assert (world["enterprise"].pk in ids) is (role in RANKING_LISTS_IT | {"owner"})
    recompute = c.post("/api/points/scores/recompute/", {"year": 2025}, content_type="application/json")
    assert recompute.status_code == (200 if role in RECOMPUTES else 403)


def test_openapi_schema_lists_the_points_api(client, db):
    schema = client.get("/api/schema/?format=json").json()
    for path in [
        "/api/points/scores/",
        "/api/points/scores/{id}/",
        "/api/points/scores/recompute/",
        "/api/points/systems/",
        "/api/points/enterprise-data/",
        "/api/points/enterprise-data/import/",
        "/api/points/enterprise-data/{id}/confirm/",
    ]:
        assert path in schema["paths"], path
