"""The industry-chain map: for every chain in the region pack, its links and what serves each link.

Read queries only. They live in insights (not catalog) because the map joins three domains — the
network's chains and links, the catalog's listings, experts and platforms, and the deals app's
registration snapshots — and insights is the app that reads across domains; catalog must not
depend on deals (deals already depends on catalog).

Definitions (docs/chain-map.md):
- a link is **covered** when at least one innovation platform on the current whitelist serves it; where
  the region pack sets `chain_coverage_requires_service: true`, only a whitelisted platform that actually
  served the link (a booking of one of its offerings on that link performed within the last
  `chain_coverage_service_months` months, docs/bookings.md) covers it;
- a link is a **gap** when it has open demand (a published demand whose deadline has not passed)
  and either no whitelisted platform serves it or no published achievement offers supply on it;
- a chain is **flagged** when not all of its links are covered (the plan's target is full coverage).

Turnover: registrations carry a chain, not a link. The chain figure is the sum over current
registered contracts whose snapshot names the chain. A link's figure is attributed through the
contract's deal: the deal's demand and achievement name links, and a contract counts in full on each
of this chain's links they name (so link figures may add up to more than the chain figure, and
contracts without a deal, or whose listings name none of the chain's links, stay chain-level only).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mengkeju.bookings.selectors import served_platform_links
from mengkeju.catalog.models import Achievement, Demand, Expert, Platform, Status
from mengkeju.core import clock
from mengkeju.deals.models import Registration
from mengkeju.network.models import ChainLink, IndustryChain, Organization
from mengkeju.network.selectors import region_parameter

NO_PLATFORM = "no_platform"
NO_SUPPLY = "no_supply"
GAP_REASONS = {
    NO_PLATFORM: _("no whitelisted platform"),
    NO_SUPPLY: _("no published achievement (no matching supply)"),
}
STAGES = [ChainLink.Stage.UPSTREAM, ChainLink.Stage.MIDSTREAM, ChainLink.Stage.DOWNSTREAM]
CENT = Decimal("0.01")


@dataclass
class LinkFigures:
    link: ChainLink
    platforms: list[Platform] = field(default_factory=list)
    achievements: int = 0
    open_demands: int = 0
    enterprises: int = 0
    experts: int = 0
    contracts: int = 0
    turnover_yuan: Decimal = Decimal("0.00")
    # With the region pack's `chain_coverage_requires_service`: the platforms that served this link in the
    # period; None: the rule is off and every whitelisted platform serving the link covers it.
    served_by: set[int] | None = None

    @property
    def whitelisted_platforms(self) -> list[Platform]:
        return [p for p in self.platforms if p.whitelisted]

    @property
    def covering_platforms(self) -> list[Platform]:
        if self.served_by is None:
            return self.whitelisted_platforms
        return [p for p in self.whitelisted_platforms if p.pk in self.served_by]

    @property
    def covered(self) -> bool:
        return bool(self.covering_platforms)

    @property
    def gap_reasons(self) -> list[str]:
        if not self.open_demands:
            return []
        reasons = []
        if not self.covered:
            reasons.append(NO_PLATFORM)
        if not self.achievements:
            reasons.append(NO_SUPPLY)
        return reasons

    @property
    def gap_labels(self) -> list[str]:
        return [str(GAP_REASONS[r]) for r in self.gap_reasons]

    @property
    def is_gap(self) -> bool:
        return bool(self.gap_reasons)


@dataclass
class ChainMap:
    chain: IndustryChain
    links: list[LinkFigures]
    contracts: int = 0
    turnover_yuan: Decimal = Decimal("0.00")

    @property
    def covered_links(self) -> int:
        return sum(1 for f in self.links if f.covered)

    @property
    def coverage_percent(self) -> Decimal:
        if not self.links:
            return Decimal("0.0")
        return (Decimal(100) * self.covered_links / len(self.links)).quantize(Decimal("0.1"))

    @property
    def flagged(self) -> bool:
        """Not every link is served by a whitelisted platform."""
        return self.covered_links < len(self.links)

    @property
    def gaps(self) -> list[LinkFigures]:
        return [f for f in self.links if f.is_gap]

    @property
    def uncovered(self) -> list[LinkFigures]:
        return [f for f in self.links if not f.covered]

    def by_stage(self) -> list[tuple[str, str, list[LinkFigures]]]:
        return [
            (stage.value, stage.label, [f for f in self.links if f.link.stage == stage]) for stage in STAGES
        ]

    @property
    def attributed_turnover_yuan(self) -> Decimal:
        return sum((f.turnover_yuan for f in self.links), Decimal("0.00"))


def _counts(pairs) -> dict[int, set]:
    out: dict[int, set] = defaultdict(set)
    for link_id, item in pairs:
        out[link_id].add(item)
    return out


def chain_maps(chains=None, *, today: date | None = None) -> list[ChainMap]:
    """The map of each chain (all chains of the region pack by default), with a fixed number of queries."""
    today = today or clock.local_date()
    chains = list(chains if chains is not None else IndustryChain.objects.all())
    chain_ids = [c.pk for c in chains]
    links = list(ChainLink.objects.filter(chain_id__in=chain_ids).select_related("chain"))
    figures = {link.pk: LinkFigures(link) for link in links}
    in_chains = {"chainlink__chain_id__in": chain_ids}

    achievement_links = Achievement.chain_links.through.objects.filter(
        achievement__status=Status.PUBLISHED, **in_chains
    ).values_list("chainlink_id", "achievement_id", "achievement__owner_id", "achievement__owner__kind")
    demand_links = Demand.chain_links.through.objects.filter(
        Q(demand__deadline__isnull=True) | Q(demand__deadline__gte=today),
        demand__status=Status.PUBLISHED,
        **in_chains,
    ).values_list("chainlink_id", "demand_id", "demand__owner_id", "demand__owner__kind")
    expert_links = Expert.chain_links.through.objects.filter(**in_chains).values_list(
        "chainlink_id", "expert_id"
    )
    platform_links = (
        Platform.chain_links.through.objects.filter(**in_chains)
        .select_related("platform__organization")
        .order_by("-platform__whitelisted", "platform__level", "platform__name")
    )

    enterprises: dict[int, set] = defaultdict(set)
    achievements = _counts((link, a) for link, a, owner, kind in _remember(achievement_links, enterprises))
    demands = _counts((link, d) for link, d, owner, kind in _remember(demand_links, enterprises))
    experts = _counts(expert_links)
    for row in platform_links:
        figures[row.chainlink_id].platforms.append(row.platform)
        if row.platform.organization.kind == Organization.Kind.ENTERPRISE:
            enterprises[row.chainlink_id].add(row.platform.organization_id)
    for link_id, f in figures.items():
        f.achievements = len(achievements.get(link_id, ()))
        f.open_demands = len(demands.get(link_id, ()))
        f.experts = len(experts.get(link_id, ()))
        f.enterprises = len(enterprises.get(link_id, ()))

    if region_parameter("chain_coverage_requires_service", False):
        months = int(region_parameter("chain_coverage_service_months", 12))
        served = served_platform_links(_months_before(today, months), today)
        for link_id, f in figures.items():
            f.served_by = {platform_id for platform_id, served_link in served if served_link == link_id}

    maps = {c.pk: ChainMap(c, []) for c in chains}
    for link in links:
        maps[link.chain_id].links.append(figures[link.pk])
    _add_turnover(maps, figures)
    return [maps[c.pk] for c in chains]


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def _remember(rows, enterprises: dict[int, set]):
    """Pass listing rows through, noting enterprise owners per link."""
    for link_id, item, owner_id, owner_kind in rows:
        if owner_kind == Organization.Kind.ENTERPRISE:
            enterprises[link_id].add(owner_id)
        yield link_id, item, owner_id, owner_kind


def _add_turnover(maps: dict[int, ChainMap], figures: dict[int, LinkFigures]) -> None:
    registrations = list(
        Registration.objects.filter(
            status=Registration.Status.REGISTERED, is_current=True, chain_id__in=list(maps)
        ).values_list(
            "pk", "chain_id", "amount_yuan", "contract__deal__demand_id", "contract__deal__achievement_id"
        )
    )
    demand_ids = {r[3] for r in registrations if r[3]}
    achievement_ids = {r[4] for r in registrations if r[4]}
    demand_links = _counts(
        (d, link)
        for d, link in Demand.chain_links.through.objects.filter(demand_id__in=demand_ids).values_list(
            "demand_id", "chainlink_id"
        )
    )
    achievement_links = _counts(
        (a, link)
        for a, link in Achievement.chain_links.through.objects.filter(
            achievement_id__in=achievement_ids
        ).values_list("achievement_id", "chainlink_id")
    )
    for _pk, chain_id, amount, demand_id, achievement_id in registrations:
        amount = Decimal(amount or 0).quantize(CENT)
        chain_map = maps[chain_id]
        chain_map.contracts += 1
        chain_map.turnover_yuan += amount
        touched = demand_links.get(demand_id, set()) | achievement_links.get(achievement_id, set())
        for link_id in touched:
            f = figures.get(link_id)
            if f is not None and f.link.chain_id == chain_id:
                f.contracts += 1
                f.turnover_yuan += amount


def chain_map(chain: IndustryChain, *, today: date | None = None) -> ChainMap:
    return chain_maps([chain], today=today)[0]


def gap_rows(maps: list[ChainMap]) -> list[dict]:
    """One row per gap, for the gap list and its Excel export."""
    return [
        {
            "chain": m.chain,
            "link": f.link,
            "stage": f.link.get_stage_display(),
            "open_demands": f.open_demands,
            "whitelisted_platforms": len(f.whitelisted_platforms),
            "platforms": len(f.platforms),
            "achievements": f.achievements,
            "reasons": f.gap_labels,
        }
        for m in maps
        for f in m.gaps
    ]


def graph(chain_map: ChainMap) -> dict:
    """Nodes and edges for the ECharts graph: links in stage columns, edges from each stage to the next."""
    nodes, edges = [], []
    columns = chain_map.by_stage()
    for x, (stage, _label, items) in enumerate(columns):
        for y, f in enumerate(items):
            nodes.append(
                {
                    "id": f.link.code,
                    "name": f.link.name,
                    "stage": stage,
                    "x": x * 300,
                    "y": y * 90,
                    "gap": f.is_gap,
                    "covered": f.covered,
                    "platforms": len(f.whitelisted_platforms),
                    "achievements": f.achievements,
                    "demands": f.open_demands,
                }
            )
    for (_s, _l, left), (_s2, _l2, right) in pairwise(columns):
        for a in left:
            for b in right:
                edges.append({"source": a.link.code, "target": b.link.code})
    return {"nodes": nodes, "edges": edges}
