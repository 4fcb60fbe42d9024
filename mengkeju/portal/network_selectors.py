"""Read queries of a network node's page, across apps (network sits below catalog, deals and insights, so
the shell composes them). Each is a fixed number of queries, whatever the number of listings or deals."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from mengkeju.catalog import selectors as catalog
from mengkeju.catalog.models import Achievement, Demand, Status
from mengkeju.core.roles import role_of
from mengkeju.deals import permissions as deal_permissions
from mengkeju.deals import selectors as deals
from mengkeju.deals.models import Deal
from mengkeju.insights import permissions as insight_permissions
from mengkeju.insights import selectors as insights
from mengkeju.network import selectors as network
from mengkeju.network.models import Organization, User

Role = User.Role


@dataclass
class RoutedListings:
    """The published listings naming a node among their responsible nodes (as each listing's own page
    does): the newest `achievements` and `demands`, and how many there are in all."""

    achievements: list = field(default_factory=list)
    demands: list = field(default_factory=list)
    achievement_count: int = 0
    demand_count: int = 0


def _routed_ids(model, visible, node: Organization, routing: network.Routing) -> list[int]:
    """The ids of the visible published listings of `model` routed to `node`, newest first."""
    candidates = visible.filter(status=Status.PUBLISHED).filter(network.routing_candidates(node)).distinct()
    rows = list(candidates.values_list("pk", "division_id", "published_at"))
    chains: dict[int, set[int]] = {}
    through = model.chain_links.through
    owner_field = f"{model._meta.model_name}_id"
    links = through.objects.filter(**{f"{owner_field}__in": candidates.values("pk")})
    for pk, chain_id in links.values_list(owner_field, "chainlink__chain_id"):
        chains.setdefault(pk, set()).add(chain_id)
    routed = set(
        routing.routed_to(node, [(pk, division, chains.get(pk, set())) for pk, division, _p in rows])
    )
    dated = sorted(
        ((published, pk) for pk, _d, published in rows if pk in routed and published), reverse=True
    )
    undated = sorted((pk for pk, _d, published in rows if pk in routed and not published), reverse=True)
    return [pk for _published, pk in dated] + undated


def routed_listings(user, node: Organization, limit: int = 20) -> RoutedListings:
    """Published listings this node is responsible for, as far as `user` may see them. Only the
    headquarters, sub-centers and enclaves take listings (cooperating institutions get none)."""
    if node.kind not in (Organization.Kind.HEADQUARTERS, *Organization.SERVICE_NODE_KINDS):
        return RoutedListings()
    routing = network.Routing()
    out = RoutedListings()
    for model, visible, name in (
        (Achievement, catalog.visible_achievements(user), "achievement"),
        (Demand, catalog.visible_demands(user), "demand"),
    ):
        ids = _routed_ids(model, visible, node, routing)
        shown = model.objects.select_related("division").in_bulk(ids[:limit])
        setattr(out, f"{name}s", [shown[pk] for pk in ids[:limit]])
        setattr(out, f"{name}_count", len(ids))
    return out


def deal_stage_counts(node: Organization) -> list[dict]:
    """How many deals the node is responsible for, per stage (every stage, zeros included). Counts only:
    who the parties are is for those who may see the deals."""
    counts = dict(
        Deal.objects.filter(sub_center=node)
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    return [
        {"stage": value, "label": label, "count": counts.get(value, 0)} for value, label in Deal.Stage.choices
    ]


def may_see_node_deals(user, node: Organization) -> bool:
    """The node's deal list (parties, titles, links) is for headquarters and platform admins, and for the
    node's own staff and brokers: those who see its deal board (deals.permissions)."""
    if role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    return deal_permissions.is_node_staff(user, node.pk)


def node_deals(user, node: Organization, limit: int = 20) -> list[Deal]:
    qs = deals.with_deal_related(deals.visible_deals(user).filter(sub_center=node))
    return list(qs.order_by("-updated_at", "-id")[:limit])


def may_see_node_turnover(user, node: Organization) -> bool:
    """A node's contract figures are its own business (docs/statistics.md): headquarters, analysts and
    platform admins, and the node's own staff and brokers."""
    return insight_permissions.can_view_sub_center(user, node)


def turnover_by_year(node: Organization) -> insights.Table:
    """Registered technical contracts (current versions) whose registration names this node: count,
    turnover and technology-transaction amount per year, on the region's date basis."""
    return insights.by_year(insights.Scope(sub_center_id=node.pk, basis=insights.default_basis()))
