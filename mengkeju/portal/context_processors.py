from mengkeju.network.selectors import current_region
from mengkeju.notifications.selectors import unread_count


def site(request):
    region = current_region()
    unread, statistics = 0, False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from mengkeju.insights import permissions as insights

        unread = unread_count(user)
        statistics = insights.can_view_region(user) or insights.home_node(user) is not None
    return {
        "region": region,
        "network_name": (region.network_name if region else "") or "蒙科聚",
        "unread": unread,
        "show_statistics": statistics,
    }
