"""The arithmetic of licensing, free of Django: rounding to the fen, royalties, shares, calendar months.

Every amount is a Decimal in yuan rounded to the fen (0.01) with ROUND_HALF_UP, the rounding people
expect on an invoice. Shares are split with the largest-remainder method so the parts add up exactly.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    """Round a yuan amount to the fen, halves away from zero (四舍五入)."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def as_percent(fraction: Decimal) -> str:
    """0.7 → "70 %", 0.035 → "3.5 %" (at most four decimals)."""
    return f"{(Decimal(fraction) * 100).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP).normalize():f} %"


def royalty_on_sales(sales_revenue_yuan: Decimal, royalty_rate: Decimal) -> Decimal:
    return to_fen(Decimal(sales_revenue_yuan) * Decimal(royalty_rate))


def fee_for_units(units_sold: Decimal, per_unit_fee_yuan: Decimal) -> Decimal:
    return to_fen(Decimal(units_sold) * Decimal(per_unit_fee_yuan))


def allocate(total_yuan: Decimal, weights: Sequence[Decimal | Fraction | int]) -> list[Decimal]:
    """Split `total_yuan` (whole fen, not negative) in proportion to `weights`, in whole fen.

    Largest-remainder (Hamilton) method: each part first gets its exact share rounded down to the
    fen; the fen left over go one each to the parts with the largest remainders, ties to the earlier
    part. The parts always add up to the total exactly, and none is more than one fen from its
    exact share.
    """
    total = Decimal(total_yuan)
    if total < 0 or total != total.quantize(FEN):
        raise ValueError(f"total must be a non-negative amount in whole fen, got {total_yuan}")
    fractions = [Fraction(w) for w in weights]
    if not fractions or any(f < 0 for f in fractions) or sum(fractions) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    cents = int(total * 100)
    weight_sum = sum(fractions)
    exact = [cents * f / weight_sum for f in fractions]
    parts = [math.floor(e) for e in exact]
    left_over = cents - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left_over]:
        parts[i] += 1
    return [(Decimal(p) / 100).quantize(FEN) for p in parts]


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def trial_end(trial_start_on: date, months: int) -> date:
    """The last day of a trial of `months` months starting on `trial_start_on`."""
    return add_months(trial_start_on, months) - timedelta(days=1)


def licence_year_ends(first_day: date, until: date) -> list[date]:
    """The last days of the licence years that started on `first_day` and ended before `until`."""
    ends, n = [], 1
    while (end := add_months(first_day, 12 * n) - timedelta(days=1)) < until:
        ends.append(end)
        n += 1
    return ends
