"""Template helpers of licensing pages."""

from django import template

from mengkeju.licensing.calculations import as_percent

register = template.Library()


@register.filter
def percent(fraction) -> str:
    """A rate or share stored as a fraction, for people: 0.035 → “3.5 %”."""
    if fraction in (None, ""):
        return ""
    return as_percent(fraction)
