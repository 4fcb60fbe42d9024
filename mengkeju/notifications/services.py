"""Telling people things. One function for every app: `notify(recipients, message, url, kind=…)`."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
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
    created = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, message=message[:MESSAGE_LENGTH], url=url) for user in people]
    )
    _email_later([n for n in created if n.pk and n.user.email])
    return created


def notify_once(user, message: str, url: str, *, kind: str, key: str) -> bool:
    """Notify `user` about `url` unless `key` already did (e.g. a saved search and a record). True when new.
    Two concurrent calls make one notification: get_or_create falls back to the row the other wrote."""
    _notification, created = Notification.objects.get_or_create(
        user=user,
        dedupe_key=key,
        url=url,
        defaults={"kind": kind, "message": message[:MESSAGE_LENGTH]},
    )
    if created and user.email:
        _email_later([_notification])
    return created


def _email_later(notifications: list[Notification]) -> None:
    """With NOTIFY_BY_EMAIL, the worker also e-mails each notification (a job enqueued in this
    transaction: no notification, no e-mail; no e-mail is lost if the mail server is down)."""
    if settings.NOTIFY_BY_EMAIL and notifications:
        from .tasks import send_emails

        send_emails.enqueue([n.pk for n in notifications])


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
