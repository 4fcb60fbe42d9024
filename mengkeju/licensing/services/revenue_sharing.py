"""Revenue sharing (收益分配): the institution's policy (inventors, team, institution) and the statement
that shares each received payment's net income under it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.core.events import acting_user
from mengkeju.network.models import Organization
from mengkeju.network.selectors import region_parameter

from .. import calculations, permissions, selectors
from ..models import LicenceAction, PaymentReceipt, RevenueSharePolicy, RevenueShareStatement, StatementLine
from ._common import ZERO, _day, _decimal, _record, _site_language

# Law on Promoting the Transformation of S&T Achievements (2015), Art. 45: the national minimum.
DEFAULT_INVENTOR_SHARE_MIN = Decimal("0.50")


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
        raise ValidationError(_("A statement for this payment has already been issued."), code="duplicate")
    policy = selectors.policy_in_force(licence.licensor, receipt.received_on)
    if policy is None:
        raise ValidationError(
            _("%(org)s has no revenue-sharing policy in force on %(date)s; set one first.")
            % {"org": licence.licensor.name, "date": _day(receipt.received_on)},
            code="invalid",
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
        issued_by=acting_user(by),
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
        raise ValidationError(
            {"valid_from": ValidationError(_("Give the day the policy takes effect."), code="required")}
        )
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
            raise ValidationError(
                {
                    field: ValidationError(
                        _("A share is a fraction between 0 and 1 (0.7 = 70 %)."), code="out_of_range"
                    )
                }
            )
        if share != share.quantize(Decimal("0.0001")):
            raise ValidationError(
                {
                    field: ValidationError(
                        _("A share may have at most four decimals (0.0001 = 0.01 %)."), code="too_long"
                    )
                }
            )
        shares[field] = share
    total = sum(shares.values())
    if total != 1:
        raise ValidationError(
            _("The shares must add up to 1 (100 %%); they add up to %(total)s.")
            % {"total": calculations.as_percent(total)},
            code="invalid",
        )
    minimum = inventor_share_minimum()
    if shares["inventors_share"] < minimum:
        raise ValidationError(
            {
                "inventors_share": ValidationError(
                    _(
                        "Inventors must receive at least %(minimum)s of the net income from a licence or "
                        "transfer (Law on Promoting the Transformation of S&T Achievements, Art. 45, and "
                        "this region's minimum); this policy gives them %(given)s."
                    )
                    % {
                        "minimum": calculations.as_percent(minimum),
                        "given": calculations.as_percent(shares["inventors_share"]),
                    },
                    code="out_of_range",
                )
            }
        )
    if RevenueSharePolicy.objects.filter(institution=institution, valid_from=valid_from).exists():
        raise ValidationError(
            {
                "valid_from": ValidationError(
                    _("A policy taking effect on %(date)s already exists; choose another day.")
                    % {"date": _day(valid_from)},
                    code="duplicate",
                )
            }
        )
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError(
            {"note": ValidationError(_("The basis may be at most 300 characters."), code="too_long")}
        )
    return RevenueSharePolicy.objects.create(
        institution=institution, valid_from=valid_from, note=note, created_by=acting_user(by), **shares
    )
