"""Read queries of notifications."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Notification, Preference


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user) if user.is_authenticated else Notification.objects.none()


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


def unread_by_kind(user) -> dict[str, int]:
    rows = notifications_of(user).filter(read_at__isnull=True).values("kind").annotate(n=Count("pk"))
    return {row["kind"]: row["n"] for row in rows}


def preferences_of(user) -> dict[str, str]:
    """Every kind → the user's mode (immediately unless chosen otherwise)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "mode"))
    return {kind: chosen.get(kind, Preference.Mode.IMMEDIATELY) for kind in Notification.Kind.values}
