from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Organization


def network_overview(request):
    nodes = list(selectors.network_nodes())
    by_kind = {kind: [n for n in nodes if n.kind == kind] for kind in Organization.NETWORK_KINDS}
    divisions = list(selectors.regional_divisions().filter(level="prefecture"))
    coverage = {d.pk: 0 for d in divisions}
    for node in by_kind[Organization.Kind.SUB_CENTER] + by_kind[Organization.Kind.ENCLAVE]:
        for d in node.serves_divisions.all():
            if d.pk in coverage:
                coverage[d.pk] += 1
    context = {
        "headquarters": by_kind[Organization.Kind.HEADQUARTERS],
        "sub_centers": by_kind[Organization.Kind.SUB_CENTER],
        "enclaves": by_kind[Organization.Kind.ENCLAVE],
        "cooperating": by_kind[Organization.Kind.COOPERATING],
        "chart": {"divisions": [d.name for d in divisions], "nodes": [coverage[d.pk] for d in divisions]},
    }
    return render(request, "network/overview.html", context)


def organization_detail(request, code: str):
    from mengkeju.catalog import selectors as catalog

    org = get_object_or_404(
        Organization.objects.select_related("division").prefetch_related("serves_divisions", "serves_chains"),
        code=code,
    )
    context = {
        "org": org,
        "achievements": catalog.visible_achievements(request.user).filter(owner=org)[:50],
        "demands": catalog.visible_demands(request.user).filter(owner=org)[:50],
    }
    return render(request, "network/organization_detail.html", context)
