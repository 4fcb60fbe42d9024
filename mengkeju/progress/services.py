"""Counting views and recommendations: cheap writes, one row per listing per day.

Each count is two statements whatever the traffic: an insert of the day's zero row that does nothing
when it exists (`ON CONFLICT DO NOTHING`), then `UPDATE … SET n = n + 1`. Concurrent requests never
lose a count and never fail on the unique row.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from mengkeju.core import clock

from .models import ListingDailyCount
from .permissions import counts_as_audience


def kind_of(listing) -> str:
    return listing._meta.model_name  # "achievement" | "demand"


def _count(field: str, keys: set[tuple[str, int]], day) -> None:
    if not keys:
        return
    ListingDailyCount.objects.bulk_create(
        [ListingDailyCount(kind=kind, listing_id=pk, day=day) for kind, pk in sorted(keys)],
        ignore_conflicts=True,
    )
    kinds = {kind for kind, _pk in keys}
    for kind in sorted(kinds):
        ListingDailyCount.objects.filter(
            kind=kind, day=day, listing_id__in=[pk for k, pk in keys if k == kind]
        ).update(**{field: F(field) + 1})


@transaction.atomic
def record_listing_shown(listing, *, viewer, recommended=()) -> None:
    """A listing's page was shown to `viewer`, recommending `recommended` (counterpart listings):
    count the view and each recommendation whose audience counts (see permissions)."""
    day = clock.local_date()
    if counts_as_audience(viewer, listing):
        _count("views", {(kind_of(listing), listing.pk)}, day)
    shown = {(kind_of(other), other.pk) for other in recommended if counts_as_audience(viewer, other)}
    _count("recommended", shown, day)
