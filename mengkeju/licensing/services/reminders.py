"""The daily job's notices: trial-end reminders and overdue-payment notices to the members of
licensor and licensee (in-app), each sent once.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.network.models import User
from mengkeju.network.selectors import region_parameter
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from .. import selectors
from ..models import Licence, LicenceAction, Payment, TrialReminder
from ._common import _day, _record, _site_language

DEFAULT_REMINDER_DAYS = (90, 30, 7)


def reminder_days() -> list[int]:
    days = region_parameter("use_first_pay_later_reminder_days", list(DEFAULT_REMINDER_DAYS))
    return sorted({int(d) for d in days if int(d) >= 0}, reverse=True)


def _recipients(licence: Licence) -> list[User]:
    return list(
        User.objects.filter(
            organization_id__in=[licence.licensor_id, licence.licensee_id],
            role=User.Role.MEMBER,
            is_active=True,
        ).order_by("pk")
    )


def _notify_parties(licence: Licence, message: str) -> None:
    """An in-app notification to the members of licensor and licensee, linking to the licence."""
    url = reverse("licensing:licence-detail", args=[licence.pk])
    notify(_recipients(licence), message, url, kind=Notification.Kind.LICENCE)


@transaction.atomic
def send_trial_reminders(today: date) -> list[tuple[Licence, int]]:
    """Remind licensor and licensee (in-app notifications) N days before a trial ends, for each N in
    the region's `use_first_pay_later_reminder_days`. Each reminder is sent once: running this
    twice on a day, or daily, sends nothing twice. If the job missed a day, only the most imminent
    reminder due is sent and the earlier ones are marked handled."""
    thresholds = reminder_days()
    sent = []
    with _site_language():
        for licence in selectors.trials_running_on(today):
            days_left = (licence.trial_end_on - today).days
            handled = set(licence.trial_reminders.values_list("days_before", flat=True))
            due = [n for n in thresholds if days_left <= n and n not in handled]
            if not due:
                continue
            send = min(due)
            try:
                with transaction.atomic():  # a second job running at the same moment loses here
                    TrialReminder.objects.bulk_create(
                        [
                            TrialReminder(
                                licence=licence, days_before=n, handled_on=today, notified=n == send
                            )
                            for n in due
                        ]
                    )
            except IntegrityError:
                continue
            message = _(
                "Use first, pay later: the free trial of “%(title)s” (%(licensee)s) ends on %(date)s, "
                "in %(days)s days. The licensee converts to the agreed terms or exits."
            ) % {
                "title": licence.achievement.title,
                "licensee": licence.licensee.name,
                "date": _day(licence.trial_end_on),
                "days": days_left,
            }
            _notify_parties(licence, message)
            _record(
                licence=licence,
                action=LicenceAction.REMIND,
                on=today,
                by=None,
                note=message,
                data={"days_before": send, "days_left": days_left},
            )
            sent.append((licence, send))
    return sent


@transaction.atomic
def send_overdue_notices(today: date) -> list[Payment]:
    """Tell licensor and licensee (in-app) once when a scheduled payment passes its due date unpaid:
    the day after it was due, or on the first run after that. Running twice sends nothing twice; two
    jobs at once do not both send (rows are locked, a locked one is left to the job holding it)."""
    sent = []
    overdue = (
        Payment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("licence__achievement", "licence__licensee")
        .filter(paid_on__isnull=True, due_on__lt=today, overdue_notice_on__isnull=True)
        .order_by("due_on", "pk")
    )
    with _site_language():
        for payment in overdue:
            licence = payment.licence
            message = _(
                "Payment overdue: %(amount)s yuan for “%(title)s” (%(licensee)s) was due on %(date)s; "
                "%(outstanding)s yuan is outstanding."
            ) % {
                "amount": f"{payment.amount_yuan:,.2f}",
                "title": licence.achievement.title,
                "licensee": licence.licensee.name,
                "date": _day(payment.due_on),
                "outstanding": f"{payment.outstanding_yuan:,.2f}",
            }
            _notify_parties(licence, message)
            payment.overdue_notice_on = today
            payment.save(update_fields=["overdue_notice_on"])
            _record(
                licence=licence,
                action=LicenceAction.OVERDUE,
                on=today,
                by=None,
                note=message,
                data={
                    "payment": payment.pk,
                    "due_on": payment.due_on.isoformat(),
                    "outstanding_yuan": str(payment.outstanding_yuan),
                },
            )
            sent.append(payment)
    return sent
