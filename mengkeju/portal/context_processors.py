from mengkeju.network.selectors import current_region
from mengkeju.notifications.selectors import unread_count


def site(request):
    region = current_region()
    unread, statistics, points_menu, talent = 0, False, False, False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from mengkeju.insights import permissions as insights
        from mengkeju.points import permissions as points
        from mengkeju.talent import permissions as talent_rules

        unread = unread_count(user)
        talent = talent_rules.can_view_pool(user)
        statistics = insights.can_view_region(user) or insights.home_node(user) is not None
        # The points pages: the ranking, or an enterprise's own score.
        points_menu = points.can_view_ranking(user) or bool(
            user.organization_id and points.is_enterprise_member(user, user.organization)
        )
    return {
        "region": region,
        "network_name": (region.network_name if region else "") or "蒙科聚",
        "unread": unread,
        "show_statistics": statistics,
        "show_points": points_menu,
        "show_talent": talent,
    }
