"""What registration (认定登记) needs beside its state changes: the review window on the region's
working-day calendar, registration numbers, verification codes, the snapshot a registration keeps of
its contract, refusal reasons, the tax report of 变更/注销登记 and the benefits a registration entitles.
The state changes themselves are in `services` (which re-exports these)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mengkeju.core.clock import local_date
from mengkeju.network.models import Organization
from mengkeju.network.selectors import calendar_days, current_region, region_parameter

from . import rules
from .models import (
    RESPONSIBLE_NODE_KINDS,
    ContractKind,
    ContractParty,
    Flow,
    RefusalReason,
    Registration,
    RegistrationCounter,
    TechnicalContract,
    classify_flow,
)
from .money import transaction_amount
from .working_days import WEEKDAYS, RegionCalendar, WorkingCalendar, add_working_days

RegStatus = Registration.Status
# Rule code of the review window and its expert-review step (2026 rules [draft Art. 14]).
REVIEW_RULE = "R8_REVIEW"
# Rule code of reporting tax benefits on 变更登记 / 注销登记 (2026 rules [draft Art. 16]).
TAX_REPORT_RULE = "R9_TAX_REPORT"
# Verification codes: no 0/O, 1/I/L, so a code read off paper is typed right.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VERIFICATION_LENGTH = 12


def follow_up_working_days() -> int:
    return int(region_parameter("demand_follow_up_working_days", 5))


def registration_grace_days() -> int:
    return int(region_parameter("registration_grace_days_after_term", 0))


@dataclass(frozen=True)
class ReviewWindow:
    """The region's review window (2026 rules [draft Art. 14]): working days to decide an application,
    more with expert review, which a 技术交易额 at or above the threshold (or a dispute) requires."""

    working_days: int
    expert_working_days: int
    expert_threshold_yuan: Decimal

    def days_for(self, needs_expert_review: bool) -> int:
        return self.expert_working_days if needs_expert_review else self.working_days


def review_window() -> ReviewWindow:
    return ReviewWindow(
        working_days=int(region_parameter("registration_review_working_days", 15)),
        expert_working_days=int(region_parameter("registration_expert_review_working_days", 30)),
        expert_threshold_yuan=Decimal(
            str(region_parameter("registration_expert_review_threshold_yuan", "5000000"))
        ),
    )


def region_calendar() -> WorkingCalendar:
    """Monday–Friday with the region's public holidays and make-up working days (calendar.yaml)."""
    days = calendar_days()
    return RegionCalendar(days) if days else WEEKDAYS


def _review_due_on(registration: Registration) -> date:
    days = review_window().days_for(registration.needs_expert_review)
    return add_working_days(local_date(registration.submitted_at), days, region_calendar())


def check_registration(registration: Registration, *, today: date | None = None) -> list[rules.RuleFailure]:
    """Run every registration rule; the failures, in rule order (empty: the contract may be registered)."""
    contract = TechnicalContract.objects.select_related("deal").get(pk=registration.contract_id)
    context = rules.RuleContext(
        registration=registration,
        contract=contract,
        parties=list(contract.parties.select_related("division", "organization")),
        applied_on=local_date(registration.submitted_at),
        today=today or local_date(),
        grace_days=registration_grace_days(),
    )
    return rules.run_rules(context)


def allocate_registration_number(on: date) -> str:
    """The next number for the year: `{region code}{year}{6-digit sequence}`, never reused.

    The year's counter row is locked (SELECT … FOR UPDATE) for the rest of the transaction, so two
    registrations at once get consecutive numbers, never the same one.
    """
    region = current_region()
    if region is None:
        raise ValidationError(_("No region is loaded; load the region pack first."), code="invalid")
    counter = (
        RegistrationCounter.objects.select_for_update().filter(region_code=region.code, year=on.year).first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                RegistrationCounter.objects.create(region_code=region.code, year=on.year, last_sequence=0)
        except IntegrityError:  # someone else created this year's counter meanwhile
            pass
        counter = RegistrationCounter.objects.select_for_update().get(region_code=region.code, year=on.year)
    counter.last_sequence += 1
    if counter.last_sequence > 999_999:
        raise ValidationError(
            _("The registration numbers of %(year)s are used up.") % {"year": on.year}, code="invalid"
        )
    counter.save(update_fields=["last_sequence"])
    return f"{region.code}{on.year}{counter.last_sequence:06d}"


def base_number(number: str) -> str:
    return number.split("-", 1)[0]


def _snapshot(registration: Registration, contract: TechnicalContract) -> None:
    parties = list(contract.parties.select_related("division"))
    sellers = [p for p in parties if p.role == ContractParty.Role.SELLER]
    buyers = [p for p in parties if p.role == ContractParty.Role.BUYER]
    seller, buyer = sellers[0], buyers[0]  # the rules guarantee one seller and at least one buyer
    registration.title = contract.title
    registration.kind = contract.kind
    registration.sub_kind = contract.sub_kind
    registration.licence_scope = contract.licence_scope
    registration.signed_on = contract.signed_on
    registration.amount_yuan = contract.amount_yuan
    registration.transaction_amount_yuan = transaction_amount(contract)
    registration.seller_division = seller.division
    registration.buyer_division = buyer.division  # the first buyer is the primary one for flow
    registration.flow = classify_flow(seller.division, buyer.division)
    if contract.is_import and seller.division is None:  # a foreign seller: technology flows in
        registration.flow = Flow.EXTERNAL if buyer.division.external else Flow.INFLOW
    registration.chain_id = contract.chain_id
    registration.sub_center_id = contract.sub_center_id
    registration.seller_name = seller.name
    registration.buyer_name = "、".join(b.name for b in buyers)[:400]
    registration.seller_credit_code = seller.credit_code
    registration.buyer_credit_code = buyer.credit_code


def new_verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _i in range(VERIFICATION_LENGTH))


def _registering_office(by, contract: TechnicalContract) -> Organization | None:
    """The office that registered: the registrar's node (sub-center or headquarters), else the contract's."""
    org = getattr(by, "organization", None)
    if org is not None and org.kind in RESPONSIBLE_NODE_KINDS:
        return org
    return contract.sub_center


def _clean_reasons(reasons) -> list[str]:
    codes = []
    for code in reasons or ():
        if code not in RefusalReason.values:
            raise ValidationError(
                {
                    "reasons": ValidationError(
                        _("Unknown refusal reason %(code)s.") % {"code": code}, code="unknown"
                    )
                }
            )
        if code not in codes:
            codes.append(code)
    return codes


def _tax_benefit_reported(value, action: str) -> bool:
    """变更登记 and 注销登记 report whether a tax benefit was already claimed: yes or no, never left open."""
    if value is None or value == "":
        raise ValidationError(
            {
                "tax_benefit_claimed": ValidationError(
                    _(
                        "%(code)s tax report: state whether a tax benefit was already claimed for this contract (%(action)s)."
                    )
                    % {"code": TAX_REPORT_RULE, "action": action},
                    code="required",
                )
            }
        )
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _tax_note(claimed: bool) -> str:
    return _("Tax benefit already claimed: yes.") if claimed else _("Tax benefit already claimed: no.")


def entitled_benefits(registration: Registration) -> list[str]:
    """The benefits a registration entitles the seller side to, as information for the certificate page
    (the tax office decides): VAT exemption, income-tax relief, inventor rewards. Sources in docs/deals.md."""
    if registration.status != RegStatus.REGISTERED:
        return []
    limit = Decimal(str(region_parameter("income_tax_exempt_transfer_income_yuan", "5000000")))
    share = Decimal(str(region_parameter("inventor_income_share_min", "0.50")))
    benefits = []
    if registration.kind in (ContractKind.DEVELOPMENT, ContractKind.TRANSFER, ContractKind.LICENCE):
        benefits.append(
            _(
                "VAT exemption on income from technology transfer and development and related consulting and "
                "services (财税〔2016〕36号, annex 3)."
            )
        )
    if registration.kind in (ContractKind.TRANSFER, ContractKind.LICENCE):
        benefits.append(
            _(
                "Enterprise income tax: income from a technology transfer up to %(limit)s yuan a year is exempt, "
                "the part above it is taxed at half the rate (财税〔2010〕111号)."
            )
            % {"limit": f"{limit:,.0f}"}
        )
    benefits.append(
        _(
            "Rewards to inventors and key contributors from the net income: at least %(share)s %% where the unit "
            "has no rule of its own (Law on Promoting the Transformation of S&T Achievements, Art. 45)."
        )
        % {"share": f"{share * 100:.0f}"}
    )
    return benefits
