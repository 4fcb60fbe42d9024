"""Template helpers of the progress app."""

from django import template

from mengkeju.progress import permissions

register = template.Library()


@register.filter
def may_follow_progress(user, listing) -> bool:
    """The owner organization's members and the network staff serving the listing follow its progress."""
    return permissions.can_follow(user, listing)
