"""Read queries of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user) if user.is_authenticated else Notification.objects.none()


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()
