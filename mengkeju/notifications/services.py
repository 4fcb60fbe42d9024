"""Telling people things. One function for every app: `notify(recipients, message, url, kind=…)`."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .models import Notification

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length


def notify(recipients: Iterable, message: str, url: str, *, kind: str) -> list[Notification]:
    """One notification to each recipient (None and repeated people skipped, in the order given)."""
    people, seen = [], set()
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        people.append(user)
    return Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, message=message[:MESSAGE_LENGTH], url=url) for user in people]
    )


def notify_once(user, message: str, url: str, *, kind: str, key: str) -> bool:
    """Notify `user` about `url` unless `key` already did (e.g. a saved search and a record). True when new.
    Two concurrent calls make one notification: get_or_create falls back to the row the other wrote."""
    _notification, created = Notification.objects.get_or_create(
        user=user,
        dedupe_key=key,
        url=url,
        defaults={"kind": kind, "message": message[:MESSAGE_LENGTH]},
    )
    return created


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
