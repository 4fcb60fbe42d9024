from mengkeju.network.selectors import current_region


def site(request):
    region = current_region()
    return {"region": region, "network_name": (region.network_name if region else "") or "蒙科聚"}
