"""Telling people things. One function for every app: `notify(recipients, message, url, kind=…)`."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification, Preference

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length


def notify(recipients: Iterable, message: str, url: str, *, kind: str) -> list[Notification]:
    """One notification to each recipient (None and repeated people skipped, in the order given)."""
    people, seen = [], set()
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        people.append(user)
    modes = modes_of([user.pk for user in people], kind)
    people = [user for user in people if modes[user.pk] != Preference.Mode.OFF]
    created = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, message=message[:MESSAGE_LENGTH], url=url) for user in people]
    )
    _email_later(
        [n for n in created if n.pk and n.user.email and modes[n.user.pk] == Preference.Mode.IMMEDIATELY]
    )
    return created


def notify_once(user, message: str, url: str, *, kind: str, key: str) -> bool:
    """Notify `user` about `url` unless `key` already did (e.g. a saved search and a record). True when new.
    Two concurrent calls make one notification: get_or_create falls back to the row the other wrote.
    Honours the person's preference for `kind` as notify() does."""
    mode = modes_of([user.pk], kind)[user.pk]
    if mode == Preference.Mode.OFF:
        return False
    _notification, created = Notification.objects.get_or_create(
        user=user,
        dedupe_key=key,
        url=url,
        defaults={"kind": kind, "message": message[:MESSAGE_LENGTH]},
    )
    if created and user.email and mode == Preference.Mode.IMMEDIATELY:
        _email_later([_notification])
    return created


def modes_of(user_ids: list[int], kind: str) -> dict[int, str]:
    """Each person's mode for `kind` (one query): immediately unless they chose otherwise."""
    chosen = dict(Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "mode"))
    return {pk: chosen.get(pk, Preference.Mode.IMMEDIATELY) for pk in user_ids}


@transaction.atomic
def set_preferences(user, modes: dict[str, str]) -> None:
    """Save `user`'s mode per kind (kind → immediately/digest/off); unknown kinds or modes change nothing."""
    kinds, valid = set(Notification.Kind.values), set(Preference.Mode.values)
    bad = {k: m for k, m in modes.items() if k not in kinds or m not in valid}
    if bad:
        raise ValidationError(
            _("Unknown notification kind or mode: %(items)s") % {"items": ", ".join(sorted(bad))},
            code="unknown_preference",
        )
    for kind, mode in modes.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})


def mark_all_read(user, *, kind: str = "") -> int:
    """Mark all of `user`'s unread notifications (of one kind, when given) read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


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
