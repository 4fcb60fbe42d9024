"""Concurrent first views of the day: nobody fails on the unique day row and no count is lost.
Needs PostgreSQL (concurrent writers); SQLite serialises whole-database writes and is skipped."""

import pytest
from django.db import connection

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.network.tests.concurrency import run_together
from mengkeju.progress import services
from mengkeju.progress.models import ListingDailyCount

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_eight_visitors_at_once_count_eight_views_in_one_row(base_data):
    demand = DemandFactory()
    recommended = [AchievementFactory(), AchievementFactory()]
    _results, errors = run_together(
        *[
            lambda: services.record_listing_shown(demand, viewer=None, recommended=recommended)
            for _ in range(8)
        ]
    )
    assert errors == [None] * 8, errors
    row = ListingDailyCount.objects.get(kind="demand", listing_id=demand.pk)
    assert row.views == 8
    assert sorted(
        ListingDailyCount.objects.filter(kind="achievement").values_list("listing_id", "recommended")
    ) == sorted((a.pk, 8) for a in recommended)
