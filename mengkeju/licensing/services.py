"""State changes of licensing: one function per use case.

Each function checks permission, validates, writes inside a transaction and records an append-only
`LicenceEvent` naming who did it. Bad input raises `ValidationError` (a localized message per field)
and writes nothing; a forbidden act raises `PermissionDenied`.

Nothing here reads the clock: every function takes the business date it acts on (`on`, `today`,
`received_on` …). Views and the daily command pass `timezone.localdate()`; tests pass fixed dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.exceptions import ConflictError
from mengkeju.deals.models import ContractKind, ContractParty, TechnicalContract
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import region_parameter
from mengkeju.notifications.models import Notification

from . import calculations, permissions, selectors
from .models import (
    EXCLUSIVE_SCOPES,
    LICENCE_TRANSITIONS,
    DeductibleCost,
    FeeModel,
    Licence,
    LicenceAction,
    LicenceEvent,
    OpenLicenceDeclaration,
    Payment,
    PaymentReceipt,
    RevenueSharePolicy,
    RevenueShareStatement,
    RoyaltyReport,
    Scope,
    StatementLine,
    TrialReminder,
)

__all__ = ["ConflictError"]

TERM_FIELDS = (
    "fee_model",
    "upfront_fee_yuan",
    "lump_sum_yuan",
    "royalty_rate",
    "minimum_annual_royalty_yuan",
    "per_unit_fee_yuan",
    "milestones",
    "payment_term_days",
)
MONEY_TERM_FIELDS = ("upfront_fee_yuan", "lump_sum_yuan", "minimum_annual_royalty_yuan", "per_unit_fee_yuan")
# Which optional terms each fee model uses; the others are cleared.
TERMS_USED = {
    FeeModel.FREE: set(),
    FeeModel.LUMP_SUM: {"lump_sum_yuan"},
    FeeModel.ROYALTY: {"royalty_rate", "minimum_annual_royalty_yuan"},
    FeeModel.PER_UNIT: {"per_unit_fee_yuan"},
    FeeModel.MILESTONES: {"milestones"},
}
REQUIRED_TERM = {
    FeeModel.LUMP_SUM: "lump_sum_yuan",
    FeeModel.ROYALTY: "royalty_rate",
    FeeModel.PER_UNIT: "per_unit_fee_yuan",
    FeeModel.MILESTONES: "milestones",
}
DEFAULT_TRIAL_MONTHS = 36
DEFAULT_REMINDER_DAYS = (90, 30, 7)
# Law on Promoting the Transformation of S&T Achievements (2015), Art. 45: the national minimum.
DEFAULT_INVENTOR_SHARE_MIN = Decimal("0.50")
MAX_MILESTONES = 20
ZERO = Decimal("0.00")


# Helpers -----------------------------------------------------------------------------------------


def _actor(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


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
    return LicenceEvent.objects.create(
        licence=licence,
        declaration=declaration,
        action=action,
        from_status=from_status,
        to_status=to_status,
        on=on,
        note=note,
        data=data or {},
        actor=_actor(by),
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
            % {"status": Licence.Status(licence.status).label, "action": _action_names()[action]}
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


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason.")})
    if len(reason) > 1000:
        raise ValidationError({"reason": _("The reason may be at most 1000 characters.")})
    return reason


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
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
        raise ValidationError({field: _("The amount is implausibly large; check the figure (yuan).")})
    if amount != amount.quantize(calculations.FEN):
        raise ValidationError({field: _("Amounts are in yuan with at most two decimals (fen).")})
    return amount


# Terms -------------------------------------------------------------------------------------------


def validate_milestones(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(
            {"milestones": _("Milestones must be a list of {name, months_after, amount_yuan}.")}
        )
    if len(value) > MAX_MILESTONES:
        raise ValidationError({"milestones": _("At most %(n)s milestones.") % {"n": MAX_MILESTONES}})
    cleaned = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                {
                    "milestones": _("Milestone %(n)s: give a name, months after the grant and an amount.")
                    % {"n": i}
                }
            )
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 100:
            raise ValidationError(
                {"milestones": _("Milestone %(n)s: give a name (at most 100 characters).") % {"n": i}}
            )
        try:
            months = int(item.get("months_after"))
        except (TypeError, ValueError):
            months = -1
        if not 0 <= months <= 240:
            raise ValidationError(
                {
                    "milestones": _("Milestone %(n)s: months after the grant must be between 0 and 240.")
                    % {"n": i}
                }
            )
        try:
            amount = _money(item.get("amount_yuan"), "milestones")
        except ValidationError:
            amount = None
        if amount is None:
            raise ValidationError(
                {"milestones": _("Milestone %(n)s: the amount must be a positive sum in yuan.") % {"n": i}}
            )
        cleaned.append({"name": name, "months_after": months, "amount_yuan": str(amount)})
    return cleaned


def validate_fee_terms(terms: dict, *, paid_later: bool = False) -> dict:
    """Check fee terms and return them cleaned: the values the fee model does not use are cleared."""
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fee terms: {', '.join(sorted(unknown))}")
    fee_model = terms.get("fee_model")
    if fee_model not in FeeModel.values:
        raise ValidationError(
            {
                "fee_model": _("Choose a fee model: %(models)s.")
                % {"models": ", ".join(str(m.label) for m in FeeModel)}
            }
        )
    if paid_later and fee_model == FeeModel.FREE:
        raise ValidationError(
            {
                "fee_model": _(
                    "Use first, pay later needs the paid terms agreed in advance; choose a paying fee model."
                )
            }
        )
    cleaned: dict = {"fee_model": fee_model}
    for field in MONEY_TERM_FIELDS:
        cleaned[field] = _money(terms.get(field), field)
    rate = _decimal(terms.get("royalty_rate"), "royalty_rate")
    if rate is not None and not Decimal("0") < rate <= Decimal("1"):
        raise ValidationError(
            {
                "royalty_rate": _(
                    "The royalty rate is a fraction of sales revenue above 0 and at most 1 (0.05 = 5 %)."
                )
            }
        )
    if rate is not None and rate != rate.quantize(Decimal("0.000001")):
        raise ValidationError({"royalty_rate": _("The royalty rate may have at most six decimals.")})
    cleaned["royalty_rate"] = rate
    cleaned["milestones"] = validate_milestones(terms.get("milestones"))
    term_days = terms.get("payment_term_days")
    try:
        term_days = 30 if term_days in (None, "") else int(term_days)
    except (TypeError, ValueError):
        term_days = -1
    if not 0 <= term_days <= 365:
        raise ValidationError({"payment_term_days": _("The payment term is between 0 and 365 days.")})
    cleaned["payment_term_days"] = term_days
    required = REQUIRED_TERM.get(fee_model)
    if required and not cleaned[required]:
        raise ValidationError(
            {required: _("The fee model “%(model)s” needs this term.") % {"model": FeeModel(fee_model).label}}
        )
    for field in (
        "lump_sum_yuan",
        "royalty_rate",
        "minimum_annual_royalty_yuan",
        "per_unit_fee_yuan",
        "milestones",
    ):
        if field not in TERMS_USED[fee_model]:
            cleaned[field] = [] if field == "milestones" else None
    return cleaned


INVENTOR_SEPARATORS = re.compile(r"[、，,;；/\s]+")


def inventors_of(achievement: Achievement) -> list[dict]:
    """The achievement's inventors (a free-text list of names), each with weight 1."""
    names = [n for n in INVENTOR_SEPARATORS.split(achievement.inventors or "") if n]
    return [{"name": name, "weight": "1"} for name in dict.fromkeys(names)]


def validate_inventors(value) -> list[dict]:
    """A list of {name, weight}; weights are positive numbers, relative to each other."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError({"inventors": _("Inventors must be a list of {name, weight}.")})
    cleaned, seen = [], set()
    for i, item in enumerate(value, start=1):
        name = str((item or {}).get("name") or "").strip() if isinstance(item, dict) else ""
        if not name or len(name) > 50:
            raise ValidationError(
                {"inventors": _("Inventor %(n)s: give a name (at most 50 characters).") % {"n": i}}
            )
        if name in seen:
            raise ValidationError({"inventors": _("Inventor %(name)s is listed twice.") % {"name": name}})
        seen.add(name)
        try:
            weight = Decimal(str(item.get("weight", "1") or "1"))
        except (InvalidOperation, ValueError):
            weight = Decimal("-1")
        if not weight.is_finite() or weight <= 0 or weight > 1000:
            raise ValidationError(
                {"inventors": _("Inventor %(name)s: the weight must be a positive number.") % {"name": name}}
            )
        cleaned.append({"name": name, "weight": f"{weight.normalize():f}"})
    return cleaned


# The grant rules ---------------------------------------------------------------------------------


def _check_open_declaration(achievement: Achievement, scope: str) -> None:
    """Patent Law Art. 51: while an open licence declaration stands, no exclusive or sole licence."""
    if scope not in EXCLUSIVE_SCOPES:
        return
    declaration = selectors.standing_declaration(achievement)
    if declaration is not None:
        raise ValidationError(
            {
                "scope": _(
                    "An open licence declaration (declared on %(date)s) stands for this achievement: "
                    "while it stands no exclusive or sole licence may be granted (Patent Law Art. 51). "
                    "Grant an ordinary licence, or withdraw the declaration first."
                )
                % {"date": _day(declaration.declared_on)}
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
            "scope": _(
                "This would overlap the %(scope)s licence held by %(licensee)s from %(start)s "
                "(same time, territory and field of use): an exclusive or sole licence excludes "
                "other licensees."
            )
            % {
                "scope": Scope(clash.scope).label,
                "licensee": clash.licensee.name,
                "start": _day(clash.start_on),
            }
        }
    )


def _check_parties(licensor: Organization, licensee: Organization) -> None:
    if licensee.pk == licensor.pk:
        raise ValidationError({"licensee": _("The licensee must be another organization than the licensor.")})
    if not permissions.is_party_kind(licensee):
        raise ValidationError(
            {"licensee": _("A service-network node brokers licences; it cannot be the licensee.")}
        )


def _check_contract(contract: TechnicalContract | None, licensor, licensee, scope: str) -> None:
    """A licence may name the technical contract (kind: licence) it implements, between its parties."""
    if contract is None:
        return
    if contract.kind != ContractKind.LICENCE:
        raise ValidationError(
            {
                "contract": _("“%(title)s” is a %(kind)s contract, not a technology licence contract.")
                % {"title": contract.title, "kind": ContractKind(contract.kind).label}
            }
        )
    if contract.licence_scope and contract.licence_scope != scope:
        raise ValidationError(
            {
                "scope": _("The contract grants a licence of another scope (%(scope)s).")
                % {"scope": Scope(contract.licence_scope).label}
            }
        )
    parties = list(contract.parties.all())
    sellers = {
        p.organization_id for p in parties if p.role == ContractParty.Role.SELLER and p.organization_id
    }
    buyers = {p.organization_id for p in parties if p.role == ContractParty.Role.BUYER and p.organization_id}
    if (sellers and licensor.pk not in sellers) or (buyers and licensee.pk not in buyers):
        raise ValidationError(
            {"contract": _("The contract's seller and buyer are not this licence's licensor and licensee.")}
        )


def default_trial_months() -> int:
    return int(region_parameter("use_first_pay_later_trial_months", DEFAULT_TRIAL_MONTHS))


def _check_trial_months(months) -> int:
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 120:
        raise ValidationError({"trial_months": _("The trial period is between 1 and 120 months.")})
    return months


# Licences ----------------------------------------------------------------------------------------


@transaction.atomic
def create_licence(
    achievement: Achievement,
    *,
    by,
    licensee: Organization,
    start_on: date,
    end_on: date | None = None,
    scope: str = Scope.ORDINARY,
    territory: str = "",
    field_of_use: str = "",
    inventors: list[dict] | None = None,
    contract: TechnicalContract | None = None,
    contract_reference: str = "",
    use_first_pay_later: bool = False,
    trial_months: int | None = None,
    **terms,
) -> Licence:
    """Record a licence as a draft. The licensor is the achievement's owner; it grants the licence
    (`grant_licence`) or, for use first, pay later, starts the trial (`start_trial`)."""
    licensor = achievement.owner
    if not permissions.can_create_licence(by, licensor):
        raise PermissionDenied(
            _("Only members of %(org)s may license its achievements.") % {"org": licensor.name}
        )
    _check_parties(licensor, licensee)
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose ordinary, sole or exclusive.")})
    if start_on is None:
        raise ValidationError({"start_on": _("Give the start date.")})
    if end_on is not None and end_on < start_on:
        raise ValidationError({"end_on": _("The licence cannot end before it starts.")})
    cleaned = validate_fee_terms(terms, paid_later=use_first_pay_later)
    if use_first_pay_later and cleaned["upfront_fee_yuan"]:
        raise ValidationError(
            {
                "upfront_fee_yuan": _(
                    "The trial of a use-first-pay-later licence is free: it has no upfront fee."
                )
            }
        )
    if use_first_pay_later:
        trial_months = _check_trial_months(
            trial_months if trial_months not in (None, "") else default_trial_months()
        )
    else:
        trial_months = None
    _check_open_declaration(achievement, scope)
    _check_contract(contract, licensor, licensee, scope)
    licence = Licence(
        achievement=achievement,
        licensor=licensor,
        licensee=licensee,
        scope=scope,
        territory=(territory or "").strip(),
        field_of_use=(field_of_use or "").strip(),
        start_on=start_on,
        end_on=end_on,
        inventors=validate_inventors(inventors) if inventors else inventors_of(achievement),
        contract=contract,
        contract_reference=(contract_reference or "").strip(),
        use_first_pay_later=use_first_pay_later,
        trial_months=trial_months,
        created_by=_actor(by),
        **cleaned,
    )
    licence.full_clean()
    licence.save()
    _record(licence=licence, action=LicenceAction.CREATE, to_status=licence.status, on=start_on, by=by)
    return licence


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
    # Royalties and per-unit fees are scheduled from royalty reports, minimum top-ups by the daily job.


@transaction.atomic
def grant_licence(licence: Licence, *, by, on: date) -> Licence:
    """The licensor grants a draft licence: it becomes active and its fixed payments are scheduled."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may grant a licence."))
    _check_transition(licence, LicenceAction.GRANT)
    if licence.use_first_pay_later:
        raise ValidationError(_("A use-first-pay-later licence begins with its free trial: start the trial."))
    _check_open_declaration(licence.achievement, licence.scope)
    _check_exclusivity(licence)
    _move(licence, LicenceAction.GRANT, by=by, on=on, granted_on=on)
    _schedule_upfront(licence, by=by, on=on)
    _schedule_paid_terms(licence, by=by, on=on)
    return licence


@transaction.atomic
def start_trial(licence: Licence, *, by, on: date) -> Licence:
    """The licensor starts the free trial of a use-first-pay-later licence."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may start the trial."))
    if not licence.use_first_pay_later:
        raise ValidationError(
            _("Only a use-first-pay-later licence has a free trial; grant this licence instead.")
        )
    _check_transition(licence, LicenceAction.START_TRIAL)
    if on < licence.start_on:
        raise ValidationError(
            {
                "on": _("The trial cannot start before the licence starts (%(date)s).")
                % {"date": _day(licence.start_on)}
            }
        )
    trial_end_on = calculations.trial_end(on, licence.trial_months)
    if licence.end_on is not None and trial_end_on > licence.end_on:
        raise ValidationError(
            {
                "trial_months": _("The trial would end on %(trial)s, after the licence ends (%(end)s).")
                % {"trial": _day(trial_end_on), "end": _day(licence.end_on)}
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
                "on": _("The trial ended on %(date)s; a conversion after it needs a new licence.")
                % {"date": _day(licence.trial_end_on)}
            }
        )
    if licence.trial_start_on and on < licence.trial_start_on:
        raise ValidationError({"on": _("The conversion cannot precede the trial.")})
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
        raise ValidationError({"on": _("The exit cannot precede the trial.")})
    return _move(licence, LicenceAction.EXIT, by=by, on=on, note=reason, ended_on=on, end_reason=reason)


@transaction.atomic
def terminate_licence(licence: Licence, *, by, on: date, reason: str) -> Licence:
    """The licensor ends a running licence early (e.g. breach); what is already due stays due."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may terminate a licence."))
    _check_transition(licence, LicenceAction.TERMINATE)
    reason = _reason(reason)
    if licence.granted_on and on < licence.granted_on:
        raise ValidationError({"on": _("The licence cannot end before it was granted.")})
    return _move(licence, LicenceAction.TERMINATE, by=by, on=on, note=reason, ended_on=on, end_reason=reason)


@transaction.atomic
def expire_licences(today: date) -> list[Licence]:
    """The daily job: trials not converted by their last day, and licences past their end, expire."""
    expired = []
    for licence in selectors.licences_to_expire(today):
        last_day = licence.trial_end_on if licence.status == Licence.Status.TRIAL else licence.end_on
        with _site_language():
            note = (
                _("The trial ended on %(date)s without conversion.")
                if licence.status == Licence.Status.TRIAL
                else _("The licence term ended on %(date)s.")
            ) % {"date": _day(last_day)}
        try:
            expired.append(
                _move(licence, LicenceAction.EXPIRE, by=None, on=today, note=note, ended_on=last_day)
            )
        except ConflictError:  # someone converted or exited it meanwhile
            continue
    return expired


# Reminders ---------------------------------------------------------------------------------------


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
    Notification.objects.bulk_create(
        [Notification(user=user, message=message[:300], url=url) for user in _recipients(licence)]
    )


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


# Royalty reports ---------------------------------------------------------------------------------


def _paid_period(licence: Licence) -> tuple[date | None, date | None]:
    """The first and last day for which the licensee pays (the trial is free)."""
    first = licence.converted_on if licence.use_first_pay_later else licence.start_on
    last = min((d for d in (licence.end_on, licence.ended_on) if d), default=None)
    return first, last


@transaction.atomic
def file_royalty_report(
    licence: Licence,
    *,
    by,
    period_start_on: date,
    period_end_on: date,
    sales_revenue_yuan,
    filed_on: date,
    units_sold=0,
    note: str = "",
) -> RoyaltyReport:
    """The licensee reports a period's sales; the royalty (or per-unit fee) due is computed exactly
    (Decimal, to the fen, ROUND_HALF_UP) and added to the payment schedule."""
    if not permissions.can_file_royalty_report(by, licence):
        raise PermissionDenied(_("Only the licensee files royalty reports."))
    if licence.status == Licence.Status.EXITED:
        raise ValidationError(_("The licensee exited this licence's trial: no royalties are due."))
    if licence.status in (Licence.Status.DRAFT, Licence.Status.TRIAL) or (
        licence.use_first_pay_later and not licence.converted_on
    ):
        raise ValidationError(
            _("Sales during the free trial are not reported; royalties start after conversion.")
        )
    if licence.fee_model not in (FeeModel.ROYALTY, FeeModel.PER_UNIT):
        raise ValidationError(
            _("This licence is paid by %(model)s: there are no royalties to report.")
            % {"model": FeeModel(licence.fee_model).label}
        )
    sales = _money(sales_revenue_yuan, "sales_revenue_yuan", allow_zero=True)
    if sales is None:
        raise ValidationError({"sales_revenue_yuan": _("Give the sales revenue of the period (yuan).")})
    units = _decimal(units_sold, "units_sold") or Decimal("0")
    if units < 0:
        raise ValidationError({"units_sold": _("Units sold cannot be negative.")})
    if units != units.quantize(Decimal("0.001")) or units >= Decimal("1e11"):
        raise ValidationError({"units_sold": _("Give units sold with at most three decimals.")})
    if licence.fee_model == FeeModel.PER_UNIT and units == 0 and sales > 0:
        raise ValidationError({"units_sold": _("This licence is paid per unit: give the units sold.")})
    if period_start_on is None or period_end_on is None:
        raise ValidationError({"period_start_on": _("Give the period's first and last day.")})
    if period_end_on < period_start_on:
        raise ValidationError({"period_end_on": _("The period cannot end before it starts.")})
    if period_end_on > filed_on:
        raise ValidationError({"period_end_on": _("Report a period once it has ended.")})
    first, last = _paid_period(licence)
    if period_start_on < first or (last is not None and period_end_on > last):
        raise ValidationError(
            {
                "period_start_on": _(
                    "The period must lie within the licence's paid term (%(first)s to %(last)s)."
                )
                % {"first": _day(first), "last": _day(last) if last else _("open-ended")}
            }
        )
    overlapping = licence.royalty_reports.filter(
        period_start_on__lte=period_end_on, period_end_on__gte=period_start_on
    ).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "period_start_on": _("A report for %(start)s to %(end)s already covers part of this period.")
                % {"start": _day(overlapping.period_start_on), "end": _day(overlapping.period_end_on)}
            }
        )
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": _("The note may be at most 1000 characters.")})
    if licence.fee_model == FeeModel.ROYALTY:
        due_yuan = calculations.royalty_on_sales(sales, licence.royalty_rate)
        kind = Payment.Kind.ROYALTY
    else:
        due_yuan = calculations.fee_for_units(units, licence.per_unit_fee_yuan)
        kind = Payment.Kind.PER_UNIT
    report = RoyaltyReport.objects.create(
        licence=licence,
        period_start_on=period_start_on,
        period_end_on=period_end_on,
        sales_revenue_yuan=sales,
        units_sold=units,
        royalty_due_yuan=due_yuan,
        filed_on=filed_on,
        note=note,
        filed_by=_actor(by),
    )
    _record(
        licence=licence,
        action=LicenceAction.REPORT,
        on=filed_on,
        by=by,
        data={
            "report": report.pk,
            "period": [period_start_on.isoformat(), period_end_on.isoformat()],
            "sales_revenue_yuan": str(sales),
            "units_sold": str(units),
            "royalty_due_yuan": str(due_yuan),
        },
    )
    if due_yuan > 0:
        due_on = max(period_end_on + timedelta(days=licence.payment_term_days), filed_on)
        with _site_language():
            description = _("Royalty for %(start)s to %(end)s") % {
                "start": _day(period_start_on),
                "end": _day(period_end_on),
            }
        _schedule(licence, kind, due_yuan, due_on, description, by=by, on=filed_on, royalty_report=report)
    return report


@transaction.atomic
def settle_minimum_royalties(today: date) -> list[Payment]:
    """The daily job: for royalty licences with a minimum annual royalty, once a licence year has
    ended (and its last reports had the payment term to arrive), schedule the shortfall."""
    created = []
    for licence in selectors.licences_with_minimum_royalty():
        first, last = _paid_period(licence)
        if first is None:
            continue
        grace = timedelta(days=licence.payment_term_days)
        for year_end in calculations.licence_year_ends(first, today - grace):
            if last is not None and year_end > last:
                break
            if licence.payments.filter(
                kind=Payment.Kind.MINIMUM_ROYALTY, licence_year_end_on=year_end
            ).exists():
                continue
            year_start = calculations.add_months(year_end + timedelta(days=1), -12)
            reported = sum(
                licence.royalty_reports.filter(
                    period_end_on__gte=year_start, period_end_on__lte=year_end
                ).values_list("royalty_due_yuan", flat=True),
                ZERO,
            )
            shortfall = licence.minimum_annual_royalty_yuan - reported
            if shortfall <= 0:
                continue
            with _site_language():
                description = _("Minimum annual royalty, licence year %(start)s to %(end)s") % {
                    "start": _day(year_start),
                    "end": _day(year_end),
                }
            payment = _schedule(
                licence,
                Payment.Kind.MINIMUM_ROYALTY,
                shortfall,
                today + grace,
                description,
                by=None,
                on=today,
                licence_year_end_on=year_end,
            )
            created.append(payment)
    return created


# Payments and revenue sharing --------------------------------------------------------------------


def _clean_costs(costs: Iterable[dict]) -> list[dict]:
    cleaned = []
    for i, cost in enumerate(costs or [], start=1):
        kind = cost.get("kind")
        if kind not in DeductibleCost.Kind.values:
            raise ValidationError(
                {
                    "costs": _("Cost %(n)s: choose taxes, maintenance fees, brokerage fees or other.")
                    % {"n": i}
                }
            )
        amount = _money(cost.get("amount_yuan"), "costs", allow_zero=True)
        if not amount:
            continue  # an empty cost line is no cost
        description = str(cost.get("description") or "").strip()
        if len(description) > 200:
            raise ValidationError({"costs": _("Cost %(n)s: the description is too long.") % {"n": i}})
        cleaned.append({"kind": kind, "amount_yuan": amount, "description": description})
    return cleaned


@transaction.atomic
def record_payment(
    licence: Licence,
    *,
    by,
    received_on: date,
    amount_yuan,
    payment: Payment | None = None,
    costs: Iterable[dict] = (),
) -> PaymentReceipt:
    """The licensor records money received against a scheduled payment (the earliest outstanding one
    if none is named), with the costs to deduct before sharing (taxes, fees …). If the licensor's
    revenue-sharing policy is in force on that day, the sharing statement is issued at once."""
    if not permissions.can_record_payment(by, licence):
        raise PermissionDenied(_("Only the licensor records payments received."))
    if licence.status == Licence.Status.EXITED:
        raise ValidationError(_("The licensee exited this licence's trial: no payment is due on it."))
    if licence.status == Licence.Status.DRAFT:
        raise ValidationError(_("A draft licence has no payments; grant it first."))
    amount = _money(amount_yuan, "amount_yuan")
    if amount is None:
        raise ValidationError({"amount_yuan": _("Give the amount received (yuan).")})
    if received_on is None:
        raise ValidationError({"received_on": _("Give the day the payment was received.")})
    if payment is None:
        payment = licence.payments.filter(paid_on__isnull=True).order_by("due_on", "pk").first()
        if payment is None:
            raise ValidationError(_("Nothing is outstanding on this licence's payment schedule."))
    elif payment.licence_id != licence.pk:
        raise ValidationError({"payment": _("This scheduled payment belongs to another licence.")})
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if amount > payment.outstanding_yuan:
        raise ValidationError(
            {
                "amount_yuan": _(
                    "The amount exceeds what is outstanding on this item (%(outstanding)s yuan)."
                )
                % {"outstanding": payment.outstanding_yuan}
            }
        )
    cost_lines = _clean_costs(costs)
    deductions = sum((c["amount_yuan"] for c in cost_lines), ZERO)
    if deductions > amount:
        raise ValidationError(
            {
                "costs": _("The deductible costs (%(costs)s yuan) exceed the payment (%(amount)s yuan).")
                % {"costs": deductions, "amount": amount}
            }
        )
    receipt = PaymentReceipt.objects.create(
        payment=payment, received_on=received_on, amount_yuan=amount, recorded_by=_actor(by)
    )
    DeductibleCost.objects.bulk_create([DeductibleCost(receipt=receipt, **c) for c in cost_lines])
    paid = payment.paid_amount_yuan + amount
    Payment.objects.filter(pk=payment.pk).update(
        paid_amount_yuan=paid, paid_on=received_on if paid >= payment.amount_yuan else None
    )
    _record(
        licence=licence,
        action=LicenceAction.PAY,
        on=received_on,
        by=by,
        note=payment.description,
        data={"payment": payment.pk, "receipt": receipt.pk, "amount_yuan": str(amount)},
    )
    if selectors.policy_in_force(licence.licensor, received_on) is not None:
        issue_statement(receipt, by=by, on=received_on)
    return receipt


def share_net_income(
    net_income_yuan: Decimal, policy: RevenueSharePolicy, inventors: list[dict]
) -> list[dict]:
    """The statement's lines: inventors by name, then team, then institution, in whole fen adding up
    exactly to the net income. First the three parts are split by the policy's shares, then the
    inventors' part by the inventors' weights, each with the largest-remainder method (ties go to
    the earlier line, so inventors before team before institution)."""
    inventors = inventors or [{"name": _("inventors (not named)"), "weight": "1"}]
    shares = [policy.inventors_share, policy.team_share, policy.institution_share]
    inventors_yuan, team_yuan, institution_yuan = calculations.allocate(net_income_yuan, shares)
    weights = [Decimal(i["weight"]) for i in inventors]
    weight_sum = sum(weights)
    per_inventor = calculations.allocate(inventors_yuan, weights)
    lines = [
        {
            "party": StatementLine.Party.INVENTOR,
            "name": inventor["name"],
            "share": (policy.inventors_share * weight / weight_sum).quantize(Decimal("0.00000001")),
            "amount_yuan": amount,
        }
        for inventor, weight, amount in zip(inventors, weights, per_inventor, strict=True)
    ]
    lines.append(
        {
            "party": StatementLine.Party.TEAM,
            "name": _("R&D team"),
            "share": policy.team_share,
            "amount_yuan": team_yuan,
        }
    )
    lines.append(
        {
            "party": StatementLine.Party.INSTITUTION,
            "name": policy.institution.name,
            "share": policy.institution_share,
            "amount_yuan": institution_yuan,
        }
    )
    assert sum(line["amount_yuan"] for line in lines) == net_income_yuan  # allocate() guarantees it
    return lines


@transaction.atomic
def issue_statement(receipt: PaymentReceipt, *, by, on: date) -> RevenueShareStatement:
    """The revenue-sharing statement of a received payment under the licensor's policy in force on
    the day it was received."""
    licence = receipt.payment.licence
    if not permissions.can_record_payment(by, licence):
        raise PermissionDenied(_("Only the licensor issues revenue-sharing statements."))
    if RevenueShareStatement.objects.filter(receipt=receipt).exists():
        raise ValidationError(_("A statement for this payment has already been issued."))
    policy = selectors.policy_in_force(licence.licensor, receipt.received_on)
    if policy is None:
        raise ValidationError(
            _("%(org)s has no revenue-sharing policy in force on %(date)s; set one first.")
            % {"org": licence.licensor.name, "date": _day(receipt.received_on)}
        )
    deductions = receipt.deductions_yuan
    net = receipt.amount_yuan - deductions
    with _site_language():
        lines = share_net_income(net, policy, licence.inventors)
    totals = {
        party: sum((line["amount_yuan"] for line in lines if line["party"] == party), ZERO)
        for party in StatementLine.Party
    }
    statement = RevenueShareStatement.objects.create(
        receipt=receipt,
        policy=policy,
        gross_yuan=receipt.amount_yuan,
        deductions_yuan=deductions,
        net_income_yuan=net,
        inventors_yuan=totals[StatementLine.Party.INVENTOR],
        team_yuan=totals[StatementLine.Party.TEAM],
        institution_yuan=totals[StatementLine.Party.INSTITUTION],
        issued_on=on,
        issued_by=_actor(by),
    )
    StatementLine.objects.bulk_create(
        [StatementLine(statement=statement, position=i, **line) for i, line in enumerate(lines)]
    )
    _record(
        licence=licence,
        action=LicenceAction.STATEMENT,
        on=on,
        by=by,
        data={"statement": statement.pk, "receipt": receipt.pk},
    )
    return statement


def inventor_share_minimum() -> Decimal:
    return Decimal(str(region_parameter("inventor_income_share_min", DEFAULT_INVENTOR_SHARE_MIN)))


@transaction.atomic
def set_revenue_share_policy(
    institution: Organization,
    *,
    by,
    valid_from: date,
    inventors_share,
    team_share,
    institution_share,
    note: str = "",
) -> RevenueSharePolicy:
    """A new version of the institution's revenue-sharing policy, in force from `valid_from` until
    the next version. The inventors' share may not be below the region's legal minimum."""
    if not permissions.can_set_revenue_policy(by, institution):
        raise PermissionDenied(
            _("Only members of a university or research institute set its revenue-sharing policy.")
        )
    if valid_from is None:
        raise ValidationError({"valid_from": _("Give the day the policy takes effect.")})
    shares = {}
    for field, value in (
        ("inventors_share", inventors_share),
        ("team_share", team_share),
        ("institution_share", institution_share),
    ):
        share = _decimal(value, field)
        if share is None:
            share = Decimal("0")
        if not Decimal("0") <= share <= Decimal("1"):
            raise ValidationError({field: _("A share is a fraction between 0 and 1 (0.7 = 70 %).")})
        if share != share.quantize(Decimal("0.0001")):
            raise ValidationError({field: _("A share may have at most four decimals (0.0001 = 0.01 %).")})
        shares[field] = share
    total = sum(shares.values())
    if total != 1:
        raise ValidationError(
            _("The shares must add up to 1 (100 %%); they add up to %(total)s.")
            % {"total": calculations.as_percent(total)}
        )
    minimum = inventor_share_minimum()
    if shares["inventors_share"] < minimum:
        raise ValidationError(
            {
                "inventors_share": _(
                    "Inventors must receive at least %(minimum)s of the net income from a licence or "
                    "transfer (Law on Promoting the Transformation of S&T Achievements, Art. 45, and "
                    "this region's minimum); this policy gives them %(given)s."
                )
                % {
                    "minimum": calculations.as_percent(minimum),
                    "given": calculations.as_percent(shares["inventors_share"]),
                }
            }
        )
    if RevenueSharePolicy.objects.filter(institution=institution, valid_from=valid_from).exists():
        raise ValidationError(
            {
                "valid_from": _("A policy taking effect on %(date)s already exists; choose another day.")
                % {"date": _day(valid_from)}
            }
        )
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("The basis may be at most 300 characters.")})
    return RevenueSharePolicy.objects.create(
        institution=institution, valid_from=valid_from, note=note, created_by=_actor(by), **shares
    )


# Open licences -----------------------------------------------------------------------------------


@transaction.atomic
def declare_open_licence(
    achievement: Achievement,
    *,
    by,
    declared_on: date,
    payment_method: str,
    term_months: int,
    patent_number: str = "",
    description: str = "",
    **terms,
) -> OpenLicenceDeclaration:
    """专利开放许可: the owner offers an ordinary licence to anyone on published terms (Patent Law
    Arts. 50–52). Refused while an exclusive or sole licence is running."""
    if not permissions.can_declare(by, achievement):
        raise PermissionDenied(
            _("Only members of %(org)s may declare an open licence for its achievements.")
            % {"org": achievement.owner.name}
        )
    if selectors.standing_declaration(achievement) is not None:
        raise ValidationError(_("An open licence declaration already stands for this achievement."))
    exclusive = selectors.running_licences(achievement).filter(scope__in=EXCLUSIVE_SCOPES).first()
    if exclusive is not None:
        raise ValidationError(
            _(
                "The %(scope)s licence held by %(licensee)s is running: no open licence may be declared while it runs."
            )
            % {"scope": Scope(exclusive.scope).label, "licensee": exclusive.licensee.name}
        )
    cleaned = validate_fee_terms(terms)
    payment_method = (payment_method or "").strip()
    if not payment_method:
        raise ValidationError({"payment_method": _("Say how and when the licensee pays.")})
    try:
        term_months = int(term_months)
    except (TypeError, ValueError):
        term_months = 0
    if not 1 <= term_months <= 240:
        raise ValidationError({"term_months": _("The licence term is between 1 and 240 months.")})
    declaration = OpenLicenceDeclaration(
        achievement=achievement,
        licensor=achievement.owner,
        declared_on=declared_on,
        payment_method=payment_method,
        term_months=term_months,
        patent_number=(patent_number or "").strip(),
        description=(description or "").strip(),
        created_by=_actor(by),
        **cleaned,
    )
    declaration.full_clean()
    declaration.save()
    _record(
        declaration=declaration,
        action=LicenceAction.DECLARE,
        to_status=declaration.status,
        on=declared_on,
        by=by,
    )
    return declaration


@transaction.atomic
def withdraw_open_licence(
    declaration: OpenLicenceDeclaration, *, by, on: date, reason: str
) -> OpenLicenceDeclaration:
    """Withdraw the declaration: nobody new may accept it; licences already obtained keep running."""
    if not permissions.can_withdraw_declaration(by, declaration):
        raise PermissionDenied(_("Only the licensor may withdraw a standing declaration."))
    reason = _reason(reason)
    Status = OpenLicenceDeclaration.Status
    if not OpenLicenceDeclaration.objects.filter(pk=declaration.pk, status=Status.DECLARED).update(
        status=Status.WITHDRAWN, withdrawn_on=on, withdrawal_reason=reason
    ):
        raise ConflictError(_("This declaration was changed by someone else meanwhile; reload it."))
    declaration.refresh_from_db()
    _record(
        declaration=declaration,
        action=LicenceAction.WITHDRAW,
        from_status=Status.DECLARED,
        to_status=Status.WITHDRAWN,
        on=on,
        by=by,
        note=reason,
    )
    return declaration


@transaction.atomic
def accept_open_licence(
    declaration: OpenLicenceDeclaration, licensee: Organization, *, by, on: date
) -> Licence:
    """Anyone who accepts a standing declaration obtains an ordinary licence on the published terms at
    once, with its payment schedule."""
    declaration = OpenLicenceDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != OpenLicenceDeclaration.Status.DECLARED:
        raise ValidationError(
            _("This open licence declaration has been withdrawn; it can no longer be accepted.")
        )
    if not permissions.can_accept_open_licence(by, declaration, licensee):
        raise PermissionDenied(_("A member may accept an open licence for their own organization only."))
    if (
        selectors.running_licences(declaration.achievement)
        .filter(open_declaration=declaration, licensee=licensee)
        .exists()
    ):
        raise ValidationError(
            _("%(org)s already holds a licence under this declaration.") % {"org": licensee.name}
        )
    licence = Licence(
        achievement=declaration.achievement,
        licensor=declaration.licensor,
        licensee=licensee,
        scope=Scope.ORDINARY,
        start_on=on,
        end_on=calculations.add_months(on, declaration.term_months) - timedelta(days=1),
        open_declaration=declaration,
        inventors=inventors_of(declaration.achievement),
        created_by=_actor(by),
        status=Licence.Status.ACTIVE,
        granted_on=on,
        **{field: getattr(declaration, field) for field in TERM_FIELDS},
    )
    _check_exclusivity(licence)
    licence.full_clean()
    licence.save()
    _record(
        licence=licence,
        declaration=declaration,
        action=LicenceAction.ACCEPT,
        from_status="",
        to_status=licence.status,
        on=on,
        by=by,
    )
    _schedule_upfront(licence, by=by, on=on)
    _schedule_paid_terms(licence, by=by, on=on)
    return licence
