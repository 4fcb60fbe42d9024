"""Registration rules (认定登记). Each rule is one function with a code and a title; it returns the
problems it finds as localized messages (empty: the contract passes that rule).

`check_registration` in services.py runs all of them; a refusal records the first failing rule's code
and a message naming every failing rule. Identity checks (GB 32100 unified social credit code,
GB 11643 citizen ID number) live here because rule R2 is what they serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    SUB_KINDS,
    TECHNICAL_KINDS,
    ContractKind,
    ContractParty,
    LicenceScope,
    Registration,
    SubKind,
    TechnicalContract,
    applicant_label,
    applicant_roles,
    classify_flow,
)
from .money import transaction_amount

# ---------------------------------------------------------------------------------------------
# Identity codes

# GB 32100-2015: 18 characters from this set (no I, O, S, V, Z); the last is a check character.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11643-1999: 17 digits and a check character (0-9 or X), ISO 7064 MOD 11-2.
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK = "10X98765432"


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 characters are given."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


def id_number_check_character(first17: str) -> str:
    return ID_NUMBER_CHECK[sum(int(d) * w for d, w in zip(first17, ID_NUMBER_WEIGHTS, strict=True)) % 11]


def is_valid_id_number(number: str) -> bool:
    number = (number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return False
    return id_number_check_character(number[:17]) == number[17]


def is_valid_party_code(code: str) -> bool:
    """A unified social credit code (organizations) or a citizen ID number (natural persons)."""
    return is_valid_credit_code(code) or is_valid_id_number(code)


def normalize_party_code(code: str) -> str:
    return (code or "").strip().upper()


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass
class RuleContext:
    """What the rules look at: the contract as it stands, its parties, when it was applied for."""

    registration: Registration
    contract: TechnicalContract
    parties: list[ContractParty]
    applied_on: date
    today: date
    grace_days: int = 0
    cache: dict = field(default_factory=dict)

    def in_role(self, role: str) -> list[ContractParty]:
        return [p for p in self.parties if p.role == role]


@dataclass(frozen=True)
class Rule:
    code: str
    title: object  # lazy translation
    check: Callable[[RuleContext], list[str]]


@dataclass(frozen=True)
class RuleFailure:
    code: str
    title: str
    problems: tuple[str, ...]

    @property
    def message(self) -> str:
        return _("%(code)s %(title)s: %(problems)s") % {
            "code": self.code,
            "title": self.title,
            "problems": _("; ").join(self.problems),
        }


RULES: list[Rule] = []


def rule(code: str, title):
    def register(func: Callable[[RuleContext], list[str]]):
        RULES.append(Rule(code, title, func))
        func.code = code
        func.title = title
        return func

    return register


@rule("R1_TECHNOLOGY", gettext_lazy("subject matter is technology"))
def technology_rule(ctx: RuleContext) -> list[str]:
    contract = ctx.contract
    if contract.kind not in TECHNICAL_KINDS:
        return [
            _(
                "this is not a technical contract (development, transfer, licence, consulting or service); "
                "goods, labour and other contracts are not registered"
            )
        ]
    problems = []
    if contract.sub_kind not in SUB_KINDS[contract.kind]:
        problems.append(_("the sub-kind does not belong to the contract kind"))
    if contract.kind == ContractKind.LICENCE and contract.licence_scope not in LicenceScope.values:
        problems.append(_("a licence contract must state its scope (exclusive, sole or ordinary)"))
    if contract.contributed_as_capital and contract.kind != ContractKind.TRANSFER:
        problems.append(_("technology contributed as capital (技术入股) registers as a technology transfer"))
    if contract.general_staff_training and contract.sub_kind == SubKind.TECHNICAL_TRAINING:
        problems.append(
            _("training of general staff or in operating a product is not technical training (技术培训)")
        )
    return problems


@rule("R2_PARTIES", gettext_lazy("parties identified"))
def parties_rule(ctx: RuleContext) -> list[str]:
    problems = []
    sellers = ctx.in_role(ContractParty.Role.SELLER)
    buyers = ctx.in_role(ContractParty.Role.BUYER)
    if len(sellers) != 1:
        problems.append(_("there must be exactly one seller (found %(n)s)") % {"n": len(sellers)})
    if not buyers:
        problems.append(_("there must be at least one buyer"))
    for party in ctx.parties:
        label = party.name or party.get_role_display()
        if not party.name.strip():
            problems.append(_("a %(role)s has no name") % {"role": party.get_role_display()})
        # A foreign seller of an imported technology has no Chinese code; when given, it must be valid.
        foreign_seller = ctx.contract.is_import and party.role == ContractParty.Role.SELLER
        if foreign_seller and not party.credit_code:
            continue
        if not is_valid_party_code(party.credit_code):
            problems.append(
                _(
                    "%(party)s: “%(code)s” is not a valid unified social credit code (GB 32100) "
                    "or ID number (GB 11643)"
                )
                % {"party": label, "code": party.credit_code or "—"}
            )
    for seller in sellers:
        for buyer in buyers:
            same_code = seller.credit_code and normalize_party_code(
                seller.credit_code
            ) == normalize_party_code(buyer.credit_code)
            same_org = seller.organization_id and seller.organization_id == buyer.organization_id
            if same_code or same_org:
                problems.append(
                    _("the seller and the buyer %(name)s are the same party") % {"name": buyer.name}
                )
    return problems


@rule("R3_AMOUNTS", gettext_lazy("amounts"))
def amounts_rule(ctx: RuleContext) -> list[str]:
    contract = ctx.contract
    problems = []
    if contract.amount_yuan is None or contract.amount_yuan <= 0:
        problems.append(_("the contract amount must be positive"))
    for name in TechnicalContract.NON_TECHNICAL_FIELDS:
        if (getattr(contract, name) or Decimal(0)) < 0:
            field_label = TechnicalContract._meta.get_field(name).verbose_name
            problems.append(_("%(field)s may not be negative") % {"field": field_label})
    if contract.amount_yuan is not None and transaction_amount(contract) < 0:
        problems.append(
            _(
                "the non-technical costs exceed the contract amount, so the technology-transaction amount is negative"
            )
        )
    return problems


@rule("R4_WINDOW", gettext_lazy("applied within the contract term"))
def window_rule(ctx: RuleContext) -> list[str]:
    contract = ctx.contract
    problems = []
    if contract.signed_on is None:
        problems.append(_("the signing date is missing"))
    elif contract.signed_on > ctx.applied_on:
        problems.append(_("the signing date %(date)s is in the future") % {"date": contract.signed_on})
    if contract.term_start is None or contract.term_end is None:
        problems.append(_("the contract term (start and end) is missing"))
    else:
        if contract.term_end < contract.term_start:
            problems.append(_("the term ends before it starts"))
        last_day = contract.term_end + timedelta(days=ctx.grace_days)
        if ctx.applied_on > last_day:
            problems.append(
                _(
                    "applied on %(applied)s, after the contract term ended on %(end)s "
                    "(the region allows %(days)s days after the term)"
                )
                % {"applied": ctx.applied_on, "end": contract.term_end, "days": ctx.grace_days}
            )
    return problems


@rule("R5_UNIQUE", gettext_lazy("one contract, one registration"))
def unique_rule(ctx: RuleContext) -> list[str]:
    contract = ctx.contract
    problems = []
    others = Registration.objects.filter(contract=contract).exclude(pk=ctx.registration.pk)
    if others.filter(status=Registration.Status.REGISTERED).exists():
        problems.append(_("this contract is already registered"))
    if contract.previous_version_id:
        superseded = ctx.registration.supersedes
        if superseded is None or not (
            superseded.status == Registration.Status.REGISTERED and superseded.is_current
        ):
            problems.append(_("the version this amendment replaces is no longer the registered one"))
    # The same contract entered twice: same seller, buyer, signing date and amount, already registered.
    sellers = ctx.in_role(ContractParty.Role.SELLER)
    buyers = ctx.in_role(ContractParty.Role.BUYER)
    if sellers and buyers and contract.signed_on and contract.amount_yuan is not None:
        duplicates = Registration.objects.filter(
            status=Registration.Status.REGISTERED,
            is_current=True,
            seller_credit_code=normalize_party_code(sellers[0].credit_code),
            buyer_credit_code=normalize_party_code(buyers[0].credit_code),
            signed_on=contract.signed_on,
            amount_yuan=contract.amount_yuan,
        ).exclude(Q(contract=contract) | Q(pk=ctx.registration.supersedes_id or 0))
        duplicate = duplicates.first()
        if duplicate is not None:
            problems.append(
                _("the same contract is already registered under number %(number)s")
                % {"number": duplicate.number}
            )
    return problems


@rule("R6_FLOW", gettext_lazy("flow classifiable"))
def flow_rule(ctx: RuleContext) -> list[str]:
    sellers = ctx.in_role(ContractParty.Role.SELLER)
    buyers = ctx.in_role(ContractParty.Role.BUYER)
    problems = []
    # A foreign seller of an imported technology may have no division: the flow is then an inflow.
    abroad = ctx.contract.is_import and bool(sellers) and sellers[0].division_id is None
    if not sellers or (sellers[0].division_id is None and not abroad):
        problems.append(_("the seller's division is unknown"))
    if not buyers or any(b.division_id is None for b in buyers):
        problems.append(_("a buyer's division is unknown"))
    if not problems and not abroad and classify_flow(sellers[0].division, buyers[0].division) is None:
        problems.append(_("the flow cannot be classified"))
    return problems


APPLICANT_RULE = "R7_APPLICANT"
APPLICANT_RULE_TITLE = gettext_lazy("the applicant follows the contract kind")


def applicant_problem(contract: TechnicalContract, role: str) -> str | None:
    """Why a party in `role` may not apply for this contract (None: it may)."""
    if role in applicant_roles(contract):
        return None
    return _("%(who)s applies, not the %(role)s") % {
        "who": applicant_label(contract),
        "role": ContractParty.Role(role).label if role in ContractParty.Role.values else role or "—",
    }


def applicant_message(contract: TechnicalContract, role: str) -> str:
    return RuleFailure(
        APPLICANT_RULE, str(APPLICANT_RULE_TITLE), (applicant_problem(contract, role),)
    ).message


@rule(APPLICANT_RULE, APPLICANT_RULE_TITLE)
def applicant_rule(ctx: RuleContext) -> list[str]:
    problem = applicant_problem(ctx.contract, ctx.registration.applicant_role)
    return [problem] if problem else []


def run_rules(ctx: RuleContext) -> list[RuleFailure]:
    failures = []
    for item in RULES:
        problems = item.check(ctx)
        if problems:
            failures.append(RuleFailure(item.code, str(item.title), tuple(str(p) for p in problems)))
    return failures
