from mengkeju.network.selectors import current_region


def site(request):
    region = current_region()
    unread = 0
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        unread = request.user.notifications.filter(read_at__isnull=True).count()
    return {
        "region": region,
        "network_name": (region.network_name if region else "") or "蒙科聚",
        "unread": unread,
    }
