"""Recording implicit relevance judgments: what a listing's owner was shown and opened.

What people did with a recommendation says how good it was. Graded, for a (demand, achievement) pair:

    0  shown to the listing's owner, nothing done (the recommendation was passed over)
    1  opened from the recommendation, or an inquiry about the other listing by the owner's organization
    2  a deal was opened between the two
    3  a contract from that deal was registered (认定登记)

Recorded here: *shown* and *opened* (`RecommendationEvent`, nothing else knows them). Inquiries, deals
and registrations are already on record in their apps; `insights.judgments` joins them and exports
what `mengkeju eval-matching` reads (`mengkeju export-judgments`). The join lives there because
matching sits below them (challenges use matching, and inquiries build on challenges).
"""

from __future__ import annotations

import re

from django.db import transaction

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.catalog.permissions import is_owner

from .models import RecommendationEvent

ORIGIN = re.compile(r"^(achievement|demand):(\d{1,12})$")
MAX_RANK = 50
GRADES = {"shown": 0, "opened": 1, "inquired": 1, "deal": 2, "contract": 3}  # in the order of a journey


def parse_origin(rec: str | None, rank: str | None) -> tuple[str, int, int | None] | None:
    """`?rec=demand:12&rank=3` on a link from a recommendation; anything else is no origin."""
    match = ORIGIN.match(rec or "")
    if not match:
        return None
    position = int(rank) if (rank or "").isdigit() and 1 <= int(rank) <= MAX_RANK else None
    return match.group(1), int(match.group(2)), position


def _kind(listing) -> str:
    return "achievement" if isinstance(listing, Achievement) else "demand"


@transaction.atomic
def record_shown(listing, *, viewer, recommended=(), origin=None) -> int:
    """A listing's page was shown to `viewer` with `recommended` (best first). Records what the owner's
    organization was shown and, when the page was opened from a recommendation on one of the viewer's
    own listings (`origin`), that it was opened. Returns the number of events written."""
    if not (viewer and viewer.is_authenticated):
        return 0
    events = []
    if is_owner(viewer, listing):
        kind = _kind(listing)
        events += [
            RecommendationEvent(
                source_kind=kind,
                source_id=listing.pk,
                target_kind=_kind(other),
                target_id=other.pk,
                action=RecommendationEvent.Action.SHOWN,
                rank=rank,
                user=viewer,
            )
            for rank, other in enumerate(recommended, start=1)
        ]
    if origin is not None:
        source_kind, source_id, rank = origin
        model = Achievement if source_kind == "achievement" else Demand
        source = model.objects.filter(pk=source_id).only("pk", "owner_id").first()
        if source is not None and source_kind != _kind(listing) and is_owner(viewer, source):
            events.append(
                RecommendationEvent(
                    source_kind=source_kind,
                    source_id=source_id,
                    target_kind=_kind(listing),
                    target_id=listing.pk,
                    action=RecommendationEvent.Action.OPENED,
                    rank=rank,
                    user=viewer,
                )
            )
    RecommendationEvent.objects.bulk_create(events)
    return len(events)
