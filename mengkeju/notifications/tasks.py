"""E-mail copies of notifications, sent by the worker (never inside a web request)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mengkeju.core.jobs import job

from .models import Notification


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
