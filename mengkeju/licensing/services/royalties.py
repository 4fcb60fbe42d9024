"""Royalty reports: the licensee reports a period's sales and the royalty (or per-unit fee) due is
scheduled; the daily job schedules the shortfall of a minimum annual royalty.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.core.events import acting_user

from .. import calculations, permissions, selectors
from ..models import FeeModel, Licence, LicenceAction, Payment, RoyaltyReport
from ._common import ZERO, _day, _decimal, _money, _record, _schedule, _site_language


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
        raise ValidationError(
            _("The licensee exited this licence's trial: no royalties are due."), code="invalid"
        )
    if licence.status in (Licence.Status.DRAFT, Licence.Status.TRIAL) or (
        licence.use_first_pay_later and not licence.converted_on
    ):
        raise ValidationError(
            _("Sales during the free trial are not reported; royalties start after conversion."),
            code="out_of_range",
        )
    if licence.fee_model not in (FeeModel.ROYALTY, FeeModel.PER_UNIT):
        raise ValidationError(
            _("This licence is paid by %(model)s: there are no royalties to report.")
            % {"model": FeeModel(licence.fee_model).label},
            code="invalid",
        )
    sales = _money(sales_revenue_yuan, "sales_revenue_yuan", allow_zero=True)
    if sales is None:
        raise ValidationError(
            {
                "sales_revenue_yuan": ValidationError(
                    _("Give the sales revenue of the period (yuan)."), code="required"
                )
            }
        )
    units = _decimal(units_sold, "units_sold") or Decimal("0")
    if units < 0:
        raise ValidationError(
            {"units_sold": ValidationError(_("Units sold cannot be negative."), code="out_of_range")}
        )
    if units != units.quantize(Decimal("0.001")) or units >= Decimal("1e11"):
        raise ValidationError(
            {
                "units_sold": ValidationError(
                    _("Give units sold with at most three decimals."), code="too_long"
                )
            }
        )
    if licence.fee_model == FeeModel.PER_UNIT and units == 0 and sales > 0:
        raise ValidationError(
            {
                "units_sold": ValidationError(
                    _("This licence is paid per unit: give the units sold."), code="invalid"
                )
            }
        )
    if period_start_on is None or period_end_on is None:
        raise ValidationError(
            {"period_start_on": ValidationError(_("Give the period's first and last day."), code="required")}
        )
    if period_end_on < period_start_on:
        raise ValidationError(
            {
                "period_end_on": ValidationError(
                    _("The period cannot end before it starts."), code="out_of_range"
                )
            }
        )
    if period_end_on > filed_on:
        raise ValidationError(
            {"period_end_on": ValidationError(_("Report a period once it has ended."), code="duplicate")}
        )
    first, last = _paid_period(licence)
    if period_start_on < first or (last is not None and period_end_on > last):
        raise ValidationError(
            {
                "period_start_on": ValidationError(
                    _("The period must lie within the licence's paid term (%(first)s to %(last)s).")
                    % {"first": _day(first), "last": _day(last) if last else _("open-ended")},
                    code="invalid",
                )
            }
        )
    overlapping = licence.royalty_reports.filter(
        period_start_on__lte=period_end_on, period_end_on__gte=period_start_on
    ).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "period_start_on": ValidationError(
                    _("A report for %(start)s to %(end)s already covers part of this period.")
                    % {"start": _day(overlapping.period_start_on), "end": _day(overlapping.period_end_on)},
                    code="duplicate",
                )
            }
        )
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError(
            {"note": ValidationError(_("The note may be at most 1000 characters."), code="too_long")}
        )
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
        filed_by=acting_user(by),
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
