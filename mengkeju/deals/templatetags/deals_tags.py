"""Template helpers of the deals app."""

from django import template

from mengkeju.deals import permissions

register = template.Library()


@register.filter
def may_open_deal(user) -> bool:
    """Brokers, sub-center staff and headquarters open deals from recommended matches."""
    return permissions.can_open_deal(user)
