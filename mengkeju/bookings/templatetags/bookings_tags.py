"""`{% platform_service_record platform %}`: the platform's service record (this year) on its page, beside
the whitelist, for those who may read it — the catalog's template asks, the catalog's code imports nothing."""

from django import template

from mengkeju.core import clock

from .. import permissions, selectors

register = template.Library()


@register.inclusion_tag("bookings/_platform_record_card.html", takes_context=True)
def platform_service_record(context, platform):
    user = context.get("user")
    if not permissions.can_view_platform_record(user, platform):
        return {"show": False}
    year = clock.local_date().year
    return {
        "show": True,
        "platform": platform,
        "year": year,
        "record": selectors.platform_record(platform, year),
    }
