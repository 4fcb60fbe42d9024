"""Money for people, one way on every page: `{% load money %}{{ amount|yuan }}`.

Chinese pages: amounts of 10,000 yuan and more in 万元 with up to two decimals, trailing zeros dropped
(800000 → "80万元", 173000 → "17.3万元", 1234567.89 → "123.46万元"); smaller amounts in 元 with
thousands separators and up to two decimals ("8,000元", "7,121.23元"). English pages: "¥800,000",
"¥7,121.23" (cents only when there are any). Nothing (None, "") prints nothing; the page says 面议 / — itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

CENT = Decimal("0.01")
WAN = Decimal(10_000)


def _trimmed(value: Decimal, separators: bool) -> str:
    """Two decimals, rounded half up, trailing zeros (and a bare point) dropped."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.2f}" if separators else f"{rounded:.2f}"
    return text.rstrip("0").rstrip(".")


def format_yuan(amount, language: str | None = None) -> str:
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    sign, value = ("-" if value < 0 else ""), abs(value)
    if (language or get_language() or "").lower().startswith("en"):
        cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
        return f"{sign}¥{cents:,.2f}" if cents % 1 else f"{sign}¥{cents:,.0f}"
    if value >= WAN:
        return f"{sign}{_trimmed(value / WAN, separators=True)}万元"
    return f"{sign}{_trimmed(value, separators=True)}元"


@register.filter
def yuan(amount) -> str:
    """An amount in yuan as people read it in the page's language (see the module's rules)."""
    return format_yuan(amount)
