"""Template helpers: names stored in two languages (region-pack and seeded data carry name + name_en)."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_name(obj) -> str:
    """`name_en` when the page is in English and the object has one, else `name`."""
    if obj is None:
        return ""
    language = (get_language() or "").lower()
    if language.startswith("en"):
        english = getattr(obj, "name_en", "")
        if english:
            return english
    return getattr(obj, "name", str(obj))


@register.filter
def yuan(amount) -> str:
    """Money for people: 200万元 / 8,500元 in Chinese pages, ¥2,000,000 in English ones."""
    if amount in (None, ""):
        return ""
    from decimal import Decimal

    value = Decimal(amount)
    if (get_language() or "").lower().startswith("en"):
        return f"¥{value:,.0f}" if value == value.to_integral() else f"¥{value:,.2f}"
    if value >= 10_000:
        wan = (value / 10_000).quantize(Decimal("0.01")).normalize()
        return f"{wan:f}万元"
    return f"{value.normalize():f}元"
