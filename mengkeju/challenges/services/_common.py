"""Helpers the challenge services share: the clock, the event record, the guarded status move, notes
and numbers from input, notifications and the headquarters-only guard.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core import clock
from mengkeju.network.models import User
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from .. import permissions
from ..models import CHALLENGE_TRANSITIONS, Application, Challenge, ChallengeEvent

Status = Challenge.Status
AppStatus = Application.Status
Action = ChallengeEvent.Action
FEN = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_NOTE = 2000


def _now(now: datetime | None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime")
    return now


def _record(
    challenge, action, *, by, now, application=None, from_status="", to_status="", note="", data=None
):
    return ChallengeEvent.objects.record(
        challenge=challenge,
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        by=by,
        at=now,
    )


def _clean_note(note: str, *, required: bool, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError(
            {field: _("Please give a reason.") if field == "reason" else _("Please write a note.")}
        )
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {field: ValidationError(_("At most %(n)s characters.") % {"n": MAX_NOTE}, code="too_long")}
        )
    return note


def _lock(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def _move(
    challenge: Challenge, to_status: str, *, by, now, note="", action, data=None, **changes
) -> Challenge:
    if (challenge.status, to_status) not in CHALLENGE_TRANSITIONS:
        raise ValidationError(
            _("A challenge that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(challenge.status).label, "to": Status(to_status).label},
            code="invalid_state",
        )
    source = challenge.status
    Challenge.objects.filter(pk=challenge.pk).update(status=to_status, updated_at=now, **changes)
    challenge.refresh_from_db()
    _record(challenge, action, by=by, now=now, from_status=source, to_status=to_status, note=note, data=data)
    return challenge


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not result.is_finite():
        raise ValidationError({field: message})
    return result


def _notify(users, message: str, url: str) -> None:
    notify(users, message, url, kind=Notification.Kind.CHALLENGE)


def _members(org_ids) -> list:
    """The active members of these organizations (a team, a publisher), in a stable order."""
    return list(
        User.objects.filter(organization_id__in=set(org_ids), role=User.Role.MEMBER, is_active=True).order_by(
            "pk"
        )
    )


def _local(moment: datetime) -> str:
    return clock.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _hq_only(challenge, *, by):
    if not permissions.can_run_review(by, challenge):
        raise PermissionDenied(_("Only headquarters runs the review of a challenge."))
