"""A network node's page (headquarters, sub-center, enclave, cooperating institution) or any organization's.

It shows what the node is and serves, whom to contact (the node's official contact and its brokers'
names, never a person's own phone or e-mail: docs/notifications.md), the published listings it is
responsible for, its deals (counts for everyone, the list for those who may see it), its registered
contract turnover by year (for those who may read its statistics) and the network map. network sits
below catalog, deals and insights, so the shell serves the page (mengkeju/urls.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from mengkeju.catalog import selectors as catalog
from mengkeju.network import selectors as network
from mengkeju.network.models import Organization
from mengkeju.network.views import region_map_spec

from . import network_selectors as nodes

RESPONSIBLE_KINDS = (Organization.Kind.HEADQUARTERS, *Organization.SERVICE_NODE_KINDS)


def organization_detail(request, code: str):
    org = get_object_or_404(
        Organization.objects.select_related("division").prefetch_related("serves_divisions", "serves_chains"),
        code=code,
    )
    user = request.user
    is_responsible_node = org.kind in RESPONSIBLE_KINDS
    context = {
        "org": org,
        "is_network_node": org.is_network_node,
        "is_responsible_node": is_responsible_node,
        "is_headquarters": org.kind == Organization.Kind.HEADQUARTERS,
        "is_outside_region": org.division.external,
        "serves_all_chains": org.serves_all_chains or org.kind == Organization.Kind.HEADQUARTERS,
        "brokers": list(network.node_brokers(org)) if org.is_network_node else [],
        "achievements": catalog.visible_achievements(user).filter(owner=org)[:50],
        "demands": catalog.visible_demands(user).filter(owner=org)[:50],
        "region_map": region_map_spec(focus=org) if org.is_network_node else None,
    }
    if is_responsible_node:
        context["routed"] = nodes.routed_listings(user, org)
        context["deal_stages"] = nodes.deal_stage_counts(org)
        context["deal_total"] = sum(s["count"] for s in context["deal_stages"])
        context["shows_deal_list"] = nodes.may_see_node_deals(user, org)
        context["shows_turnover"] = nodes.may_see_node_turnover(user, org)
        if context["shows_deal_list"]:
            context["deals"] = nodes.node_deals(user, org)
            context["board_url"] = f"{reverse('deals:board')}?{urlencode({'sub_center': org.code})}"
        if context["shows_turnover"]:
            context["turnover"] = nodes.turnover_by_year(org)
            context["statistics_url"] = f"{reverse('insights:dashboard')}?{urlencode({'node': org.code})}"
    return render(request, "network/organization_detail.html", context)
