"""Read queries of the network domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, Division, IndustryChain, Organization, Region, RegionMap, User


def current_region() -> Region | None:
    return Region.objects.first()


def region_timezone_name() -> str | None:
    """The region pack's time zone (the source of `core.clock`); None before a region is loaded."""
    return Region.objects.values_list("timezone", flat=True).first()


def region_parameter(name: str, default=None):
    region = current_region()
    return (region.parameters if region else {}).get(name, default)


@dataclass(frozen=True)
class BrokerLevel:
    code: str
    name: str
    name_en: str
    filing_required: bool

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return (self.name_en or self.name) if english else self.name


def broker_levels() -> list[BrokerLevel]:
    """The region pack's technology-broker levels (`broker_levels`), lowest first; empty without a pack."""
    return [
        BrokerLevel(
            code=item["code"],
            name=item["name"],
            name_en=item.get("name_en", ""),
            filing_required=bool(item.get("filing_required")),
        )
        for item in region_parameter("broker_levels", None) or []
    ]


def broker_level(code: str) -> BrokerLevel | None:
    return next((level for level in broker_levels() if level.code == code), None)


def calendar_days() -> dict[date, bool]:
    """The region's days that break the Monday–Friday rule: day → is it a working day (holidays False,
    make-up working weekends True). Empty when the region pack has no calendar.yaml."""
    return dict(CalendarDay.objects.values_list("day", "is_working_day"))


def regional_divisions() -> QuerySet[Division]:
    return Division.objects.filter(external=False)


def division_subtree(*roots: Division | int | str) -> frozenset[int]:
    """The ids of the given divisions and of every division below them, at any depth (province →
    prefecture → county …). A root is a Division, its id or its code; unknown roots add nothing."""
    known: set[int] = set()
    children: dict[int, list[int]] = {}
    by_code: dict[str, int] = {}
    # One query for the whole tree (a region has a few hundred divisions), then walked in memory.
    for pk, parent_id, code in Division.objects.values_list("pk", "parent_id", "code"):
        known.add(pk)
        children.setdefault(parent_id, []).append(pk)
        by_code[code] = pk
    pending = []
    for root in roots:
        if isinstance(root, Division):
            root = root.pk
        elif isinstance(root, str):
            root = by_code.get(root)
        if root in known:
            pending.append(root)
    found: set[int] = set()
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children.get(pk, ()))
    return frozenset(found)


def division_ancestry(division: Division) -> frozenset[int]:
    """The ids of a division and of every division above it (county → prefecture → province)."""
    parents = dict(Division.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    pk = division.pk
    while pk is not None and pk not in found:
        found.add(pk)
        pk = parents.get(pk)
    return frozenset(found)


def chains_with_links() -> QuerySet[IndustryChain]:
    return IndustryChain.objects.prefetch_related("links")


def network_nodes() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(kind__in=Organization.NETWORK_KINDS)
        .select_related("division")
        .prefetch_related("serves_divisions", "serves_chains")
    )


def network_summary() -> dict[str, int]:
    counts = dict(
        Organization.objects.filter(kind__in=Organization.NETWORK_KINDS)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return {
        "headquarters": counts.get(Organization.Kind.HEADQUARTERS, 0),
        "sub_centers": counts.get(Organization.Kind.SUB_CENTER, 0) + counts.get(Organization.Kind.ENCLAVE, 0),
        "enclaves": counts.get(Organization.Kind.ENCLAVE, 0),
        "cooperating": counts.get(Organization.Kind.COOPERATING, 0),
    }


@dataclass(frozen=True)
class ServiceScope:
    """What a sub-center (or enclave) looks after: divisions and chains.

    `everything` is true for the headquarters, whose scope is the whole region.
    """

    everything: bool
    division_ids: frozenset[int]
    chain_ids: frozenset[int]

    def q(self, division_field: str = "division", links_field: str = "chain_links") -> Q:
        """A filter matching records inside this scope (by division or by chain)."""
        if self.everything:
            return Q()
        if not self.division_ids and not self.chain_ids:
            return Q(pk__in=[])
        return Q(**{f"{division_field}_id__in": self.division_ids}) | Q(
            **{f"{links_field}__chain_id__in": self.chain_ids}
        )

    def covers(self, division_id: int | None, chain_ids: set[int]) -> bool:
        return self.everything or division_id in self.division_ids or bool(chain_ids & self.chain_ids)


NO_SCOPE = ServiceScope(False, frozenset(), frozenset())


def service_scope(organization: Organization | None) -> ServiceScope:
    """The divisions and chains a network node serves: a served division with everything below it
    (serving the region's top division means all of it)."""
    if organization is None:
        return NO_SCOPE
    if organization.kind == Organization.Kind.HEADQUARTERS:
        return ServiceScope(True, frozenset(), frozenset())
    served = list(organization.serves_divisions.all())
    division_ids = division_subtree(*served) if served else frozenset()
    if organization.serves_all_chains:
        chain_ids = set(IndustryChain.objects.values_list("pk", flat=True))
    else:
        chain_ids = set(organization.serves_chains.values_list("pk", flat=True))
    return ServiceScope(False, frozenset(division_ids), frozenset(chain_ids))


def user_scope(user: User) -> ServiceScope:
    """Cached per request object: the scope of the node a staff member or broker works for."""
    cached = getattr(user, "_mengkeju_scope", None)
    if cached is None:
        cached = service_scope(user.organization) if getattr(user, "organization_id", None) else NO_SCOPE
        user._mengkeju_scope = cached
    return cached


# How many responsible nodes a listing names (its page's "routed to" box shows the first three); a node's
# page lists the listings that name it among these.
ROUTED_NODES_SHOWN = 3


class Routing:
    """The network's routing rule, read once (four queries) and applied to many records in memory.

    For one record: the sub-centers (and enclaves) serving both its division and one of its chains come
    first, then those serving its division, then enclaves serving one of its chains elsewhere; ties by
    code. A node serving a division serves everything below it.
    """

    def __init__(self):
        nodes = Organization.objects.filter(kind__in=Organization.SERVICE_NODE_KINDS).prefetch_related(
            "serves_divisions", "serves_chains"
        )
        self.nodes = [
            (
                node,
                frozenset(d.pk for d in node.serves_divisions.all()),
                frozenset(c.pk for c in node.serves_chains.all()),
            )
            for node in nodes
        ]
        self._parents = dict(Division.objects.values_list("pk", "parent_id"))
        self._ancestry: dict[int | None, frozenset[int]] = {}

    def ancestry(self, division_id: int | None) -> frozenset[int]:
        if division_id not in self._ancestry:
            found: set[int] = set()
            pk = division_id
            while pk is not None and pk not in found:
                found.add(pk)
                pk = self._parents.get(pk)
            self._ancestry[division_id] = frozenset(found)
        return self._ancestry[division_id]

    def nodes_for(self, division_id: int | None, chain_ids: set[int]) -> list[Organization]:
        ranked = []
        ancestry = self.ancestry(division_id)
        for node, divisions, chains in self.nodes:
            covers_division = bool(ancestry & divisions)
            covers_chain = node.serves_all_chains or bool(chains & chain_ids)
            if covers_division and covers_chain:
                ranked.append((0, node))
            elif covers_division:
                ranked.append((1, node))
            elif covers_chain and node.kind == Organization.Kind.ENCLAVE:
                ranked.append((2, node))
        return [node for _rank, node in sorted(ranked, key=lambda item: (item[0], item[1].code))]

    def routed_to(self, node: Organization, records, limit: int = ROUTED_NODES_SHOWN) -> list[int]:
        """The ids of the records (pk, division id, chain ids) that name `node` among their first `limit`
        responsible nodes. For the headquarters: the records no node is responsible for (the
        headquarters takes them, deals.services.route_to_sub_center)."""
        if node.kind == Organization.Kind.HEADQUARTERS:
            return [pk for pk, division_id, chains in records if not self.nodes_for(division_id, chains)]
        return [
            pk
            for pk, division_id, chains in records
            if any(n.pk == node.pk for n in self.nodes_for(division_id, chains)[:limit])
        ]


def responsible_nodes(division: Division, chain_ids: set[int]) -> list[Organization]:
    """The sub-centers (and enclaves) a record is routed to, best first (see `Routing`)."""
    return Routing().nodes_for(division.pk if division else None, chain_ids)


def routing_candidates(node: Organization) -> Q:
    """A filter on records (`division`, `chain_links`) keeping every record that could be routed to
    `node` (a superset: `Routing.routed_to` decides). Everything for the headquarters."""
    if node.kind == Organization.Kind.HEADQUARTERS or (
        node.kind == Organization.Kind.ENCLAVE and node.serves_all_chains
    ):
        return Q()
    if node.kind not in Organization.SERVICE_NODE_KINDS:
        return Q(pk__in=[])
    scope = service_scope(node)
    q = Q(division_id__in=scope.division_ids)
    if node.kind == Organization.Kind.ENCLAVE:
        q |= Q(chain_links__chain_id__in=scope.chain_ids)
    return q


def node_brokers(node: Organization) -> QuerySet[User]:
    """The technology brokers (技术经理人) working for a node: active accounts with the broker role."""
    return User.objects.filter(organization=node, role=User.Role.BROKER, is_active=True).order_by(
        "display_name", "username"
    )


def has_region_map() -> bool:
    return RegionMap.objects.exists()


def mapped_nodes() -> QuerySet[Organization]:
    """The network nodes with coordinates, for the map (their location's name and whether it is outside
    the region come along)."""
    return (
        Organization.objects.filter(
            kind__in=Organization.NETWORK_KINDS, longitude__isnull=False, latitude__isnull=False
        )
        .select_related("division")
        .order_by("kind", "code")
    )


def region_map() -> dict | None:
    """The region pack's map (GeoJSON), None without one."""
    return RegionMap.objects.values_list("geojson", flat=True).first()


# --- The incubation ladder ------------------------------------------------------------------------------

GRADUATED_OUT = "graduated"


def ladder_flow() -> dict:
    """The ladder as a sankey: enterprises moving up between rungs, and graduates leaving the top rung.

    A flow counts consecutive stays of one enterprise (incubator → park counts once, as incubator → park).
    Moves between carriers of the same rung are not flows. `residents` counts open stays per rung.
    """
    from .models import LadderMembership

    kinds = Organization.LADDER_KINDS
    labels = {k: Organization.Kind(k).label for k in kinds}
    flows: dict[tuple[str, str], int] = {}
    residents = dict.fromkeys(kinds, 0)
    entered = dict.fromkeys(kinds, 0)
    previous = None
    stays = LadderMembership.objects.select_related("carrier").order_by("enterprise_id", "entered_on", "id")
    for stay in stays:
        kind = stay.carrier.kind
        entered[kind] += 1
        if stay.left_on is None:
            residents[kind] += 1
        if previous is not None and previous.enterprise_id == stay.enterprise_id:
            before = previous.carrier.kind
            if kinds.index(kind) > kinds.index(before):
                flows[(before, kind)] = flows.get((before, kind), 0) + 1
        if kind == kinds[-1] and stay.graduated:
            flows[(kind, GRADUATED_OUT)] = flows.get((kind, GRADUATED_OUT), 0) + 1
        previous = stay
    nodes = [{"key": k, "name": str(labels[k])} for k in kinds]
    if any(target == GRADUATED_OUT for _source, target in flows):
        nodes.append({"key": GRADUATED_OUT, "name": str(_("graduated from the park"))})
    names = {n["key"]: n["name"] for n in nodes}
    links = [
        {"source": names[s], "target": names[t], "source_kind": s, "target_kind": t, "value": v}
        for (s, t), v in sorted(flows.items(), key=lambda item: (kinds.index(item[0][0]), item[0][1]))
    ]
    return {"nodes": nodes, "links": links, "residents": residents, "entered": entered}


def graduations_by_year() -> list[dict]:
    """Graduations per year (the year the stay ended) and rung graduated from, oldest year first."""
    from .models import LadderMembership

    rows: dict[int, dict] = {}
    for stay in LadderMembership.objects.filter(graduated=True, left_on__isnull=False).select_related(
        "carrier"
    ):
        row = rows.setdefault(stay.left_on.year, {"year": stay.left_on.year, "total": 0})
        row[stay.carrier.kind] = row.get(stay.carrier.kind, 0) + 1
        row["total"] += 1
    for row in rows.values():
        for kind in Organization.LADDER_KINDS:
            row.setdefault(kind, 0)
    return [rows[y] for y in sorted(rows)]


def ladder_stays(limit: int = 200):
    from .models import LadderMembership

    return LadderMembership.objects.select_related("enterprise", "carrier").order_by("-entered_on", "-id")[
        :limit
    ]
