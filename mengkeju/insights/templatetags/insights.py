from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1234568 → "1,234,568.00": money in yuan with thousands separators, as finance tables print it."""
    if value in (None, ""):
        return "–"
    return f"{Decimal(value):,.2f}"
