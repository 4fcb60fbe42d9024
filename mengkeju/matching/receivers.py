"""Receivers: catalog and directory changes become outbox rows, in the transaction that made them.

With MATCHING_SYNC (tests, one-process set-ups) this process also applies them once the transaction
commits; otherwise `mengkeju worker` (the one index writer) does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from mengkeju.catalog.models import Achievement, Demand

from . import judgments, outbox
from .adapter import RESOURCE, store
from .models import IndexChange
from .writer import IndexWriter

log = logging.getLogger(__name__)


def on_listings_changed(sender, ids, **kwargs) -> None:
    """Record the change in the outbox, in the transaction that made it. With MATCHING_SYNC (tests,
    one-process set-ups) this process applies it once the transaction commits."""
    kind = "achievement" if sender is Achievement else "demand" if sender is Demand else None
    if kind and ids and settings.MATCHING_ENABLED:
        record_changes(kind, list(ids))


def on_listing_shown(sender, listing, viewer, recommended=(), origin=None, **kwargs) -> None:
    """Implicit judgments (judgments.py): what a listing's owner was shown, and what they opened."""
    rec, rank = origin or (None, None)
    judgments.record_shown(
        listing, viewer=viewer, recommended=list(recommended), origin=judgments.parse_origin(rec, rank)
    )


def on_directory_changed(sender, **kwargs) -> None:
    """Experts, platforms and services (edited in forms and the admin): the small resource index is
    rebuilt from the database by the writer."""
    if settings.MATCHING_ENABLED and not kwargs.get("raw"):
        record_changes(RESOURCE, [IndexChange.REBUILD])


def record_changes(kind: str, ids: list) -> None:
    outbox.record(kind, ids)
    if settings.MATCHING_SYNC:
        transaction.on_commit(apply_outbox_here)


def apply_outbox_here() -> None:
    """Apply the outbox in this process (MATCHING_SYNC); a failure is logged, the rows stay unapplied."""
    try:
        IndexWriter(store).apply_pending(embed=True)
    except Exception:  # the catalog change is committed; the outbox keeps it for the next attempt
        log.exception("could not update the search index")
