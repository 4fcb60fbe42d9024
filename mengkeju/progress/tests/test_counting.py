"""Views and recommendations are counted in one row per listing per day, for people outside the
owner organization and the network staff only."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.progress import services
from mengkeju.progress.models import ListingDailyCount

pytestmark = pytest.mark.django_db

COUNTED = ["anonymous", "expert", "other_member"]
NOT_COUNTED = [
    "owner",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "hq_operator",
    "platform_admin",
    "analyst",
]


@pytest.fixture
def audience(people):
    return {**people, "analyst": UserFactory(role=User.Role.ANALYST)}


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def totals(listing):
    rows = ListingDailyCount.objects.filter(kind=listing._meta.model_name, listing_id=listing.pk)
    return sum(r.views for r in rows), sum(r.recommended for r in rows)


@pytest.mark.parametrize("role", COUNTED)
def test_a_view_by_someone_else_is_counted(orgs, audience, role):
    demand = DemandFactory(owner=orgs["enterprise"])
    assert client_of(audience[role]).get(f"/demands/{demand.pk}/").status_code == 200
    assert totals(demand) == (1, 0)


@pytest.mark.parametrize("role", NOT_COUNTED)
def test_a_view_by_the_owner_or_the_network_staff_is_not_counted(orgs, audience, role):
    achievement = AchievementFactory(owner=orgs["enterprise"])
    assert client_of(audience[role]).get(f"/achievements/{achievement.pk}/").status_code == 200
    assert totals(achievement) == (0, 0)
    assert not ListingDailyCount.objects.exists()


def test_views_add_up_in_one_row_per_day(orgs, audience):
    demand = DemandFactory(owner=orgs["enterprise"])
    for role in COUNTED * 2:
        client_of(audience[role]).get(f"/demands/{demand.pk}/")
    row = ListingDailyCount.objects.get()
    assert (row.kind, row.listing_id, row.views, row.recommended) == ("demand", demand.pk, 6, 0)


def test_an_unpublished_listing_seen_by_its_creator_is_not_counted(orgs, audience):
    draft = DemandFactory(owner=orgs["enterprise"], status=Status.DRAFT, created_by=audience["other_member"])
    assert client_of(audience["other_member"]).get(f"/demands/{draft.pk}/").status_code == 200
    assert totals(draft) == (0, 0)


def test_counting_a_view_costs_two_small_statements(orgs, audience):
    demand = DemandFactory(owner=orgs["enterprise"])
    services.record_listing_shown(demand, viewer=audience["expert"])  # the day's row exists
    with CaptureQueriesContext(connection) as queries:
        services.record_listing_shown(demand, viewer=audience["expert"])
    statements = [q["sql"] for q in queries.captured_queries if "progress_listingdailycount" in q["sql"]]
    assert len(statements) == 2, statements
    assert totals(demand) == (2, 0)


@pytest.fixture
def matched(orgs):
    """An enterprise's demand and a university's achievement that the engine recommends to each other."""
    achievement = AchievementFactory(
        owner=orgs["other_enterprise"],
        title="耐高温烧结钕铁硼磁体",
        summary="晶界扩散镝铽，工作温度180℃下不可逆退磁小于3%。",
    )
    demand = DemandFactory(
        owner=orgs["enterprise"],
        title="电机磁体高温退磁攻关",
        problem="永磁电机在180℃退磁，需要耐高温钕铁硼磁体。",
    )
    call_command("reindex", "--no-progress", stdout=io.StringIO())
    return demand, achievement


def test_a_listing_shown_among_recommendations_is_counted_as_recommended(matched, audience):
    demand, achievement = matched
    body = client_of(audience["expert"]).get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="matches"' in body and achievement.title in body
    assert totals(achievement) == (0, 1)  # recommended, not viewed
    assert totals(demand) == (1, 0)
    client_of(None).get(f"/demands/{demand.pk}/")
    assert totals(achievement) == (0, 2)


def test_recommendations_shown_to_the_listings_own_members_or_staff_are_not_counted(matched, audience):
    demand, achievement = matched
    achievement_member = UserFactory(role=User.Role.MEMBER, organization=achievement.owner)
    for user in (achievement_member, audience["broker_in_scope"], audience["hq_operator"]):
        body = client_of(user).get(f"/demands/{demand.pk}/").content.decode()
        assert achievement.title in body
    assert totals(achievement) == (0, 0)
    assert totals(demand) == (1, 0)  # the achievement's member is someone else for the demand


def test_a_counter_failure_does_not_break_the_page(orgs, audience, monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "_count", broken)
    demand = DemandFactory(owner=orgs["enterprise"])
    assert client_of(audience["expert"]).get(f"/demands/{demand.pk}/").status_code == 200
