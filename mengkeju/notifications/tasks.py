"""E-mail copies of notifications, sent by the worker (never inside a web request)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mengkeju.core.jobs import job

from .models import Notification, Preference


@job(retries=5, backoff=60)
def send_emails(notification_ids: list[int]) -> int:
    """Send each notification not e-mailed yet; a row lock makes two workers send it once. A failure
    rolls back (nothing marked sent) and the job is retried with back-off. Returns how many were sent."""
    sent = 0
    pending = (
        Notification.objects.select_for_update()
        .select_related("user")
        .filter(pk__in=notification_ids, emailed_at=None)
        .exclude(user__email="")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for notification in pending:
            if _mode(notification) != Preference.Mode.IMMEDIATELY:
                continue  # switched to the digest (sent with it) or off since: not e-mailed now
            link = settings.SITE_URL.rstrip("/") + notification.url
            send_mail(
                subject=_("[%(site)s] %(message)s")
                % {"site": _("Mengkeju"), "message": notification.message[:80]},
                message=f"{notification.message}\n\n{link}\n",
                from_email=None,
                recipient_list=[notification.user.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def _mode(notification: Notification) -> str:
    preference = Preference.objects.filter(user_id=notification.user_id, kind=notification.kind).first()
    return preference.mode if preference else Preference.Mode.IMMEDIATELY


@job(retries=5, backoff=300)
def send_digests(period: str) -> int:
    """The daily digest (JOBS_SCHEDULE `notifications-digest`): one e-mail to each person listing their
    notifications of the kinds they chose "daily digest" for that were not e-mailed yet. A failure
    rolls back and the job is retried. `period` is the day the schedule ran it for. Returns mails sent."""
    if not settings.NOTIFY_BY_EMAIL:
        return 0
    digest_kinds: dict[int, set[str]] = {}
    for user_id, kind in Preference.objects.filter(mode=Preference.Mode.DIGEST).values_list(
        "user_id", "kind"
    ):
        digest_kinds.setdefault(user_id, set()).add(kind)
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, kinds in sorted(digest_kinds.items()):
            items = list(
                Notification.objects.select_for_update()
                .select_related("user")
                .filter(user_id=user_id, kind__in=kinds, emailed_at=None)
                .exclude(user__email="")
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            lines = [
                f"{timezone.localtime(n.created_at):%m-%d %H:%M} [{n.get_kind_display()}] {n.message}\n  {site}{n.url}"
                for n in items
            ]
            send_mail(
                subject=_("[%(site)s] Your daily digest: %(count)d notifications")
                % {"site": _("Mengkeju"), "count": len(items)},
                message=_("Notifications up to %(day)s:") % {"day": period}
                + "\n\n"
                + "\n\n".join(lines)
                + "\n",
                from_email=None,
                recipient_list=[items[0].user.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
            sent += 1
    return sent
