"""Use first, pay later (先使用后付费): the free trial of a licence, then conversion to the terms
agreed in advance, or exit with nothing due.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.network.selectors import region_parameter

from .. import calculations, permissions
from ..models import Licence, LicenceAction
from ._common import (
    _check_exclusivity,
    _check_open_declaration,
    _check_transition,
    _day,
    _move,
    _reason,
    _schedule_paid_terms,
)

DEFAULT_TRIAL_MONTHS = 36


def default_trial_months() -> int:
    return int(region_parameter("use_first_pay_later_trial_months", DEFAULT_TRIAL_MONTHS))


def _check_trial_months(months) -> int:
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 120:
        raise ValidationError(
            {
                "trial_months": ValidationError(
                    _("The trial period is between 1 and 120 months."), code="out_of_range"
                )
            }
        )
    return months


@transaction.atomic
def start_trial(licence: Licence, *, by, on: date) -> Licence:
    """The licensor starts the free trial of a use-first-pay-later licence."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may start the trial."))
    if not licence.use_first_pay_later:
        raise ValidationError(
            _("Only a use-first-pay-later licence has a free trial; grant this licence instead."),
            code="invalid",
        )
    _check_transition(licence, LicenceAction.START_TRIAL)
    if on < licence.start_on:
        raise ValidationError(
            {
                "on": ValidationError(
                    _("The trial cannot start before the licence starts (%(date)s).")
                    % {"date": _day(licence.start_on)},
                    code="out_of_range",
                )
            }
        )
    trial_end_on = calculations.trial_end(on, licence.trial_months)
    if licence.end_on is not None and trial_end_on > licence.end_on:
        raise ValidationError(
            {
                "trial_months": ValidationError(
                    _("The trial would end on %(trial)s, after the licence ends (%(end)s).")
                    % {"trial": _day(trial_end_on), "end": _day(licence.end_on)},
                    code="out_of_range",
                )
            }
        )
    _check_open_declaration(licence.achievement, licence.scope)
    _check_exclusivity(licence)
    _move(
        licence,
        LicenceAction.START_TRIAL,
        by=by,
        on=on,
        granted_on=on,
        trial_start_on=on,
        trial_end_on=trial_end_on,
        data={"trial_end_on": trial_end_on.isoformat()},
    )
    return licence


@transaction.atomic
def convert_to_paid(licence: Licence, *, by, on: date) -> Licence:
    """The licensee keeps using the technology after the trial, on the terms agreed in advance."""
    if not permissions.is_licensee(by, licence):
        raise PermissionDenied(_("Only the licensee may convert its trial to the paid terms."))
    _check_transition(licence, LicenceAction.CONVERT)
    if licence.trial_end_on and on > licence.trial_end_on:
        raise ValidationError(
            {
                "on": ValidationError(
                    _("The trial ended on %(date)s; a conversion after it needs a new licence.")
                    % {"date": _day(licence.trial_end_on)},
                    code="out_of_range",
                )
            }
        )
    if licence.trial_start_on and on < licence.trial_start_on:
        raise ValidationError(
            {"on": ValidationError(_("The conversion cannot precede the trial."), code="invalid")}
        )
    _move(licence, LicenceAction.CONVERT, by=by, on=on, converted_on=on)
    _schedule_paid_terms(licence, by=by, on=on)
    return licence


@transaction.atomic
def exit_trial(licence: Licence, *, by, on: date, reason: str) -> Licence:
    """The licensee stops using the technology at (or before) the end of the trial: nothing is due."""
    if not permissions.is_licensee(by, licence):
        raise PermissionDenied(_("Only the licensee may exit its trial."))
    _check_transition(licence, LicenceAction.EXIT)
    reason = _reason(reason)
    if licence.trial_start_on and on < licence.trial_start_on:
        raise ValidationError(
            {"on": ValidationError(_("The exit cannot precede the trial."), code="invalid")}
        )
    return _move(licence, LicenceAction.EXIT, by=by, on=on, note=reason, ended_on=on, end_reason=reason)
