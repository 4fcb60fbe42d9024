"""Template helpers: names stored in two languages (region-pack and seeded data carry name + name_en).
Money has its own library: `{% load money %}{{ amount|yuan }}` (mengkeju.core.templatetags.money)."""

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
