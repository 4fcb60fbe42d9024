"""Licences: recorded as a draft, granted (or their trial started, see trials.py), terminated, and
expired by the daily job.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.events import acting_user
from mengkeju.core.exceptions import ConflictError
from mengkeju.deals.models import ContractKind, ContractParty, TechnicalContract
from mengkeju.network.models import Organization

from .. import permissions, selectors
from ..models import Licence, LicenceAction, Scope
from ._common import (
    _check_exclusivity,
    _check_open_declaration,
    _check_transition,
    _day,
    _move,
    _reason,
    _record,
    _schedule_paid_terms,
    _schedule_upfront,
    _site_language,
)
from .terms import inventors_of, validate_fee_terms, validate_inventors
from .trials import _check_trial_months, default_trial_months, start_trial


def _check_parties(licensor: Organization, licensee: Organization) -> None:
    if licensee.pk == licensor.pk:
        raise ValidationError(
            {
                "licensee": ValidationError(
                    _("The licensee must be another organization than the licensor."), code="invalid"
                )
            }
        )
    if not permissions.is_party_kind(licensee):
        raise ValidationError(
            {
                "licensee": ValidationError(
                    _("A service-network node brokers licences; it cannot be the licensee."),
                    code="invalid_state",
                )
            }
        )


def _check_contract(contract: TechnicalContract | None, licensor, licensee, scope: str) -> None:
    """A licence may name the technical contract (kind: licence) it implements, between its parties."""
    if contract is None:
        return
    if contract.kind != ContractKind.LICENCE:
        raise ValidationError(
            {
                "contract": ValidationError(
                    _("“%(title)s” is a %(kind)s contract, not a technology licence contract.")
                    % {"title": contract.title, "kind": ContractKind(contract.kind).label},
                    code="invalid",
                )
            }
        )
    if contract.licence_scope and contract.licence_scope != scope:
        raise ValidationError(
            {
                "scope": ValidationError(
                    _("The contract grants a licence of another scope (%(scope)s).")
                    % {"scope": Scope(contract.licence_scope).label},
                    code="invalid",
                )
            }
        )
    parties = list(contract.parties.all())
    sellers = {
        p.organization_id for p in parties if p.role == ContractParty.Role.SELLER and p.organization_id
    }
    buyers = {p.organization_id for p in parties if p.role == ContractParty.Role.BUYER and p.organization_id}
    if (sellers and licensor.pk not in sellers) or (buyers and licensee.pk not in buyers):
        raise ValidationError(
            {
                "contract": ValidationError(
                    _("The contract's seller and buyer are not this licence's licensor and licensee."),
                    code="invalid",
                )
            }
        )


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
        # Not naming the owner: the achievement may be another organization's unpublished draft.
        raise PermissionDenied(_("Only members of the achievement's owner may license it."))
    _check_parties(licensor, licensee)
    if scope not in Scope.values:
        raise ValidationError(
            {"scope": ValidationError(_("Choose ordinary, sole or exclusive."), code="required")}
        )
    if start_on is None:
        raise ValidationError({"start_on": ValidationError(_("Give the start date."), code="required")})
    if end_on is not None and end_on < start_on:
        raise ValidationError(
            {"end_on": ValidationError(_("The licence cannot end before it starts."), code="out_of_range")}
        )
    cleaned = validate_fee_terms(terms, paid_later=use_first_pay_later)
    if use_first_pay_later and cleaned["upfront_fee_yuan"]:
        raise ValidationError(
            {
                "upfront_fee_yuan": ValidationError(
                    _("The trial of a use-first-pay-later licence is free: it has no upfront fee."),
                    code="invalid",
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
        created_by=acting_user(by),
        **cleaned,
    )
    licence.full_clean()
    licence.save()
    _record(licence=licence, action=LicenceAction.CREATE, to_status=licence.status, on=start_on, by=by)
    return licence


@transaction.atomic
def grant_licence(licence: Licence, *, by, on: date) -> Licence:
    """The licensor grants a draft licence: it becomes active and its fixed payments are scheduled."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may grant a licence."))
    _check_transition(licence, LicenceAction.GRANT)
    if licence.use_first_pay_later:
        raise ValidationError(
            _("A use-first-pay-later licence begins with its free trial: start the trial."), code="invalid"
        )
    _check_open_declaration(licence.achievement, licence.scope)
    _check_exclusivity(licence)
    _move(licence, LicenceAction.GRANT, by=by, on=on, granted_on=on)
    _schedule_upfront(licence, by=by, on=on)
    _schedule_paid_terms(licence, by=by, on=on)
    return licence


@transaction.atomic
def record_licence(
    achievement: Achievement, *, by, grant: bool, trial: bool, today: date, **values
) -> Licence:
    """The licensor records a licence and, when asked, grants it (or starts its use-first-pay-later
    trial) at once: one intent, one transaction — a refused grant leaves no draft behind."""
    licence = create_licence(achievement, by=by, **values)
    if grant and trial:
        start_trial(licence, by=by, on=max(today, licence.start_on))
    elif grant:
        grant_licence(licence, by=by, on=today)
    return licence


@transaction.atomic
def terminate_licence(licence: Licence, *, by, on: date, reason: str) -> Licence:
    """The licensor ends a running licence early (e.g. breach); what is already due stays due."""
    if not permissions.is_licensor(by, licence):
        raise PermissionDenied(_("Only the licensor may terminate a licence."))
    _check_transition(licence, LicenceAction.TERMINATE)
    reason = _reason(reason)
    if licence.granted_on and on < licence.granted_on:
        raise ValidationError(
            {"on": ValidationError(_("The licence cannot end before it was granted."), code="out_of_range")}
        )
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
