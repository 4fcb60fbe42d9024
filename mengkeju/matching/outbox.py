"""The index outbox: what changed, recorded with the change, applied later by the one index writer.

`record()` runs inside the caller's transaction (the change and its outbox row commit or roll back
together). `pending()` lists unapplied rows in id order; `mark_applied()` is called only after the
generation holding them is saved. Ids need not commit in order on PostgreSQL: the writer never skips
by position, it takes every row still unapplied.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Min
from django.utils import timezone

from .models import IndexChange

KEEP_APPLIED = timedelta(days=2)  # applied rows kept this long, for replay after restoring an older index


def record(kind: str, ids) -> None:
    IndexChange.objects.bulk_create([IndexChange(kind=kind, record=str(i)) for i in ids], batch_size=1000)


def request_rebuild(kind: str) -> None:
    IndexChange.objects.create(kind=kind, record=IndexChange.REBUILD)


def pending(limit: int = 5000) -> list[IndexChange]:
    return list(IndexChange.objects.filter(applied_at=None).order_by("id")[:limit])


def pending_ids(kind: str) -> list[int]:
    return list(IndexChange.objects.filter(kind=kind, applied_at=None).values_list("pk", flat=True))


def mark_applied(ids: list[int]) -> None:
    now = timezone.now()
    for start in range(0, len(ids), 1000):
        IndexChange.objects.filter(pk__in=ids[start : start + 1000]).update(applied_at=now)


def position() -> int:
    """The newest outbox id (0 when empty)."""
    return IndexChange.objects.aggregate(m=Max("pk"))["m"] or 0


def replay_after(kind: str, upto: int) -> int:
    """Mark applied rows of `kind` newer than `upto` unapplied again: the index on disk does not hold
    them (an older generation was restored or served instead of a damaged one). Returns how many."""
    return IndexChange.objects.filter(kind=kind, pk__gt=upto).exclude(applied_at=None).update(applied_at=None)


def lag() -> dict:
    """Unapplied changes and the age of the oldest, for the health endpoint."""
    stats = IndexChange.objects.filter(applied_at=None).aggregate(oldest=Min("created_at"), n=Max("pk"))
    count = IndexChange.objects.filter(applied_at=None).count()
    oldest = stats["oldest"]
    return {
        "pending_changes": count,
        "oldest_pending_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0,
    }


def prune() -> int:
    deleted, _ = IndexChange.objects.filter(applied_at__lt=timezone.now() - KEEP_APPLIED).delete()
    return deleted
