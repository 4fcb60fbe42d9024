"""Helpers the licensing services share: the event record, the guarded status move, checks of
reasons and sums, the grant rules every new running licence must pass (open declaration,
exclusivity) and the payment schedule of granted, converted and accepted licences.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.exceptions import ConflictError

from .. import calculations, selectors
from ..models import (
    EXCLUSIVE_SCOPES,
    LICENCE_TRANSITIONS,
    FeeModel,
    Licence,
    LicenceAction,
    LicenceEvent,
    OpenLicenceDeclaration,
    Payment,
    Scope,
)

ZERO = Decimal("0.00")


# Events and transitions --------------------------------------------------------------------------


def _site_language():
    """Text stored in the database (schedule items, notifications, statements) is written in the
    site's language, whoever's request caused it."""
    return translation.override(settings.LANGUAGE_CODE)


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


def _record(
    *,
    action: str,
    on: date,
    by,
    licence: Licence | None = None,
    declaration: OpenLicenceDeclaration | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
) -> LicenceEvent:
    return LicenceEvent.objects.record(
        licence=licence,
        declaration=declaration,
        action=action,
        from_status=from_status,
        to_status=to_status,
        on=on,
        note=note,
        data=data or {},
        by=by,
    )


def _action_names() -> dict[str, str]:
    return {
        LicenceAction.GRANT: _("grant it"),
        LicenceAction.START_TRIAL: _("start its trial"),
        LicenceAction.CONVERT: _("convert it to the paid terms"),
        LicenceAction.EXIT: _("exit its trial"),
        LicenceAction.EXPIRE: _("let it expire"),
        LicenceAction.TERMINATE: _("terminate it"),
    }


def _check_transition(licence: Licence, action: str) -> str:
    """The status `action` leads to, or a ValidationError saying why it is not possible now."""
    target = LICENCE_TRANSITIONS.get((licence.status, action))
    if target is None:
        raise ValidationError(
            _("This licence is %(status)s: you cannot %(action)s now.")
            % {"status": Licence.Status(licence.status).label, "action": _action_names()[action]},
            code="invalid_state",
        )
    return target


def _move(licence: Licence, action: str, *, by, on: date, note: str = "", data=None, **changes) -> Licence:
    """Move a licence along LICENCE_TRANSITIONS; of two people acting at once exactly one wins."""
    target = _check_transition(licence, action)
    source = licence.status
    updated = Licence.objects.filter(pk=licence.pk, status=source).update(
        status=target, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise ConflictError(_("This licence was changed by someone else meanwhile; reload it."))
    licence.refresh_from_db()
    _record(
        licence=licence,
        action=action,
        from_status=source,
        to_status=target,
        on=on,
        by=by,
        note=note,
        data=data,
    )
    return licence


# Input checks ------------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Please give a reason."), code="required")})
    if len(reason) > 1000:
        raise ValidationError(
            {"reason": ValidationError(_("The reason may be at most 1000 characters."), code="too_long")}
        )
    return reason


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ValidationError(_("Enter a number."), code="required")}) from None
    if not number.is_finite():
        raise ValidationError({field: ValidationError(_("Enter a number."), code="required")})
    return number


def _money(value, field: str, *, allow_zero: bool = False) -> Decimal | None:
    amount = _decimal(value, field)
    if amount is None:
        return None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            {
                field: _("The amount cannot be negative.")
                if amount < 0
                else _("The amount must be greater than zero.")
            }
        )
    if amount > settings.MAX_AMOUNT_YUAN:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The amount is implausibly large; check the figure (yuan)."), code="invalid"
                )
            }
        )
    if amount != amount.quantize(calculations.FEN):
        raise ValidationError(
            {
                field: ValidationError(
                    _("Amounts are in yuan with at most two decimals (fen)."), code="invalid"
                )
            }
        )
    return amount


# The grant rules ---------------------------------------------------------------------------------


def _check_open_declaration(achievement: Achievement, scope: str) -> None:
    """Patent Law Art. 51: while an open licence declaration stands, no exclusive or sole licence."""
    if scope not in EXCLUSIVE_SCOPES:
        return
    declaration = selectors.standing_declaration(achievement)
    if declaration is not None:
        raise ValidationError(
            {
                "scope": ValidationError(
                    _(
                        "An open licence declaration (declared on %(date)s) stands for this achievement: "
                        "while it stands no exclusive or sole licence may be granted (Patent Law Art. 51). "
                        "Grant an ordinary licence, or withdraw the declaration first."
                    )
                    % {"date": _day(declaration.declared_on)},
                    code="invalid_state",
                )
            }
        )


def _check_exclusivity(licence: Licence) -> None:
    """An exclusive or sole licence may not overlap any other running licence, and no licence may
    overlap a running exclusive or sole one (in time, territory and field of use)."""
    clash = selectors.conflicting_licences(licence).first()
    if clash is None:
        return
    raise ValidationError(
        {
            "scope": ValidationError(
                _(
                    "This would overlap the %(scope)s licence held by %(licensee)s from %(start)s "
                    "(same time, territory and field of use): an exclusive or sole licence excludes "
                    "other licensees."
                )
                % {
                    "scope": Scope(clash.scope).label,
                    "licensee": clash.licensee.name,
                    "start": _day(clash.start_on),
                },
                code="invalid",
            )
        }
    )


# The payment schedule ----------------------------------------------------------------------------


def _schedule(
    licence: Licence, kind: str, amount: Decimal, due_on: date, description: str, *, by, on: date, **links
):
    payment = Payment.objects.create(
        licence=licence, kind=kind, amount_yuan=amount, due_on=due_on, description=description, **links
    )
    _record(
        licence=licence,
        action=LicenceAction.SCHEDULE,
        on=on,
        by=by,
        note=description,
        data={"payment": payment.pk, "kind": kind, "amount_yuan": str(amount), "due_on": due_on.isoformat()},
    )
    return payment


def _schedule_upfront(licence: Licence, *, by, on: date) -> None:
    if licence.upfront_fee_yuan:
        due = on + timedelta(days=licence.payment_term_days)
        with _site_language():
            description = _("Upfront fee")
        _schedule(licence, Payment.Kind.UPFRONT, licence.upfront_fee_yuan, due, description, by=by, on=on)


def _schedule_paid_terms(licence: Licence, *, by, on: date) -> None:
    """The fixed payments of the agreed terms, counted from `on` (the grant or the conversion)."""
    term = timedelta(days=licence.payment_term_days)
    with _site_language():
        if licence.fee_model == FeeModel.LUMP_SUM:
            items = [(Payment.Kind.LUMP_SUM, licence.lump_sum_yuan, on + term, _("Lump sum"))]
        elif licence.fee_model == FeeModel.MILESTONES:
            items = [
                (
                    Payment.Kind.MILESTONE,
                    Decimal(milestone["amount_yuan"]),
                    calculations.add_months(on, milestone["months_after"]) + term,
                    _("Milestone: %(name)s") % {"name": milestone["name"]},
                )
                for milestone in licence.milestones
            ]
        else:
            items = []
    for kind, amount, due, description in items:
        _schedule(licence, kind, amount, due, description, by=by, on=on)
