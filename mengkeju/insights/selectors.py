"""Technical-contract statistics the government reports, read from registration snapshots.

What counts: registrations with status `registered` that are the current version (an amendment
replaces its predecessor, a cancellation removes it). Each registration carries the figures frozen
at registration (kind, amounts, divisions, flow, chain, sub-center), so statistics never change
when a contract is edited later.

Money is summed in whole fen (rounded per row, then added as integers) so the totals are exact to
the fen on SQLite (which stores decimals as binary floats) as on PostgreSQL; they come back as
`Decimal` yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, QuerySet, Sum
from django.db.models.functions import Cast, ExtractQuarter, ExtractYear, Round
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mengkeju.deals.models import ContractKind, Flow, Registration
from mengkeju.network.models import Division, IndustryChain, Organization
from mengkeju.network.selectors import region_parameter

DATE_BASES = {"registered_on": gettext_lazy("registration date"), "signed_on": gettext_lazy("signing date")}
# 成果转化: contracts that move the rights to a result (transfer) or let someone use it (licence).
TRANSFORMATION_KINDS = (ContractKind.TRANSFER, ContractKind.LICENCE)
CENT = Decimal("0.01")


def _fen_sum(name: str) -> Sum:
    return Sum(Cast(Round(F(name) * 100), output_field=BigIntegerField()))


def _yuan(fen) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(CENT)


@dataclass
class Row:
    key: str
    label: str
    count: int = 0
    amount_yuan: Decimal = Decimal("0.00")
    transaction_amount_yuan: Decimal = Decimal("0.00")

    def add(self, other: Row) -> None:
        self.count += other.count
        self.amount_yuan += other.amount_yuan
        self.transaction_amount_yuan += other.transaction_amount_yuan


@dataclass
class Table:
    name: str
    title: str
    key_title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Row:
        total = Row("total", _("Total"))
        for row in self.rows:
            total.add(row)
        return total


@dataclass(frozen=True)
class Scope:
    """Which registrations a statistic covers."""

    year: int | None = None
    sub_center_id: int | None = None
    basis: str = "registered_on"

    def __post_init__(self):
        if self.basis not in DATE_BASES:
            raise ValueError(f"unknown date basis {self.basis!r}")


def default_basis() -> str:
    basis = region_parameter("statistics_date_basis", "registered_on")
    return basis if basis in DATE_BASES else "registered_on"


def counted_registrations(scope: Scope, *, with_year: bool = True) -> QuerySet[Registration]:
    qs = Registration.objects.filter(status=Registration.Status.REGISTERED, is_current=True)
    if scope.sub_center_id:
        qs = qs.filter(sub_center_id=scope.sub_center_id)
    if with_year and scope.year:
        start, end = date(scope.year, 1, 1), date(scope.year, 12, 31)
        qs = qs.filter(**{f"{scope.basis}__range": (start, end)})
    return qs


def _grouped(qs: QuerySet, **keys) -> list[dict]:
    return list(
        qs.annotate(**keys)
        .values(*keys)
        .annotate(
            count=Count("id"),
            amount_fen=_fen_sum("amount_yuan"),
            transaction_fen=_fen_sum("transaction_amount_yuan"),
        )
        .order_by(*keys)
    )


def _row(key, label, values: dict) -> Row:
    return Row(
        str(key), str(label), values["count"], _yuan(values["amount_fen"]), _yuan(values["transaction_fen"])
    )


def totals(scope: Scope) -> Row:
    values = counted_registrations(scope).aggregate(
        count=Count("id"),
        amount_fen=_fen_sum("amount_yuan"),
        transaction_fen=_fen_sum("transaction_amount_yuan"),
    )
    return _row("total", _("Total"), values)


def years_with_data(scope: Scope) -> list[int]:
    qs = counted_registrations(scope, with_year=False).exclude(**{f"{scope.basis}__isnull": True})
    return sorted({y for y in qs.annotate(y=ExtractYear(scope.basis)).values_list("y", flat=True).distinct()})


def by_year(scope: Scope) -> Table:
    qs = counted_registrations(scope, with_year=False).exclude(**{f"{scope.basis}__isnull": True})
    rows = [_row(v["year"], v["year"], v) for v in _grouped(qs, year=ExtractYear(scope.basis))]
    return Table("by_year", _("By year"), _("Year"), rows)


def by_quarter(scope: Scope) -> Table:
    qs = counted_registrations(scope).exclude(**{f"{scope.basis}__isnull": True})
    grouped = _grouped(qs, year=ExtractYear(scope.basis), quarter=ExtractQuarter(scope.basis))
    rows = [_row(f"{v['year']}Q{v['quarter']}", f"{v['year']} Q{v['quarter']}", v) for v in grouped]
    return Table("by_quarter", _("By quarter"), _("Quarter"), rows)


def _choice_table(scope: Scope, name: str, title: str, key_title: str, field_name: str, choices) -> Table:
    labels = dict(choices)
    grouped = {v["k"]: v for v in _grouped(counted_registrations(scope), k=F(field_name))}
    rows = [_row(value, labels[value], grouped[value]) for value in labels if value in grouped]
    rows += [_row(k or "-", k or _("unknown"), v) for k, v in grouped.items() if k not in labels]
    return Table(name, title, key_title, rows)


def by_kind(scope: Scope) -> Table:
    return _choice_table(scope, "by_kind", _("By contract kind"), _("Kind"), "kind", ContractKind.choices)


def by_flow(scope: Scope) -> Table:
    return _choice_table(scope, "by_flow", _("By technology flow"), _("Flow"), "flow", Flow.choices)


def _prefecture_of() -> dict[int, Division]:
    """Each division → the prefecture-level division (盟市) it belongs to (itself when it is one)."""
    divisions = {d.pk: d for d in Division.objects.all()}
    result = {}
    for pk, d in divisions.items():
        node = d
        while node.level == Division.Level.COUNTY and node.parent_id in divisions:
            node = divisions[node.parent_id]
        result[pk] = node
    return result


def _by_division(scope: Scope, side: str, name: str, title: str) -> Table:
    prefecture = _prefecture_of()
    rows: dict[str, Row] = {}
    outside = Row("outside", _("outside the region"))
    for v in _grouped(counted_registrations(scope), k=F(f"{side}_division")):
        division = prefecture.get(v["k"])
        part = _row(v["k"], "", v)
        if division is None:
            rows.setdefault("unknown", Row("unknown", _("unknown"))).add(part)
        elif division.external:
            outside.add(part)
        else:
            rows.setdefault(division.code, Row(division.code, division.name)).add(part)
    ordered = sorted(rows.values(), key=lambda r: r.key)
    if outside.count:
        ordered.append(outside)
    return Table(name, title, _("Division"), ordered)


def by_seller_division(scope: Scope) -> Table:
    return _by_division(scope, "seller", "by_seller_division", _("By seller's division (technology output)"))


def by_buyer_division(scope: Scope) -> Table:
    return _by_division(scope, "buyer", "by_buyer_division", _("By buyer's division (technology absorbed)"))


def by_chain(scope: Scope) -> Table:
    names = dict(IndustryChain.objects.values_list("pk", "name"))
    positions = dict(IndustryChain.objects.values_list("pk", "position"))
    grouped = _grouped(counted_registrations(scope), k=F("chain"))
    rows = [_row(v["k"] or "-", names.get(v["k"]) or _("no chain given"), v) for v in grouped]
    rows.sort(key=lambda r: (r.key == "-", positions.get(int(r.key), 0) if r.key != "-" else 0))
    return Table("by_chain", _("By industry chain"), _("Chain"), rows)


def by_sub_center(scope: Scope) -> Table:
    names = dict(Organization.objects.filter(kind__in=Organization.NETWORK_KINDS).values_list("pk", "name"))
    grouped = _grouped(counted_registrations(scope), k=F("sub_center"))
    rows = [_row(v["k"] or "-", names.get(v["k"]) or _("no sub-center"), v) for v in grouped]
    rows.sort(key=lambda r: -r.amount_yuan)
    return Table("by_sub_center", _("By sub-center"), _("Sub-center"), rows)


def transformations(scope: Scope) -> Table:
    """成果转化: transfer and licence contracts, by year."""
    qs = counted_registrations(scope, with_year=False).filter(kind__in=TRANSFORMATION_KINDS)
    qs = qs.exclude(**{f"{scope.basis}__isnull": True})
    rows = [_row(v["year"], v["year"], v) for v in _grouped(qs, year=ExtractYear(scope.basis))]
    return Table("transformations", _("Transformations (transfer and licence contracts)"), _("Year"), rows)


@dataclass
class Growth:
    base_year: int
    year: int
    base: Row
    current: Row

    @staticmethod
    def _percent(current: Decimal, base: Decimal) -> Decimal | None:
        if not base:
            return None
        return ((current - base) / base * 100).quantize(Decimal("0.1"))

    @property
    def amount_percent(self) -> Decimal | None:
        return self._percent(self.current.amount_yuan, self.base.amount_yuan)

    @property
    def count_percent(self) -> Decimal | None:
        return self._percent(Decimal(self.current.count), Decimal(self.base.count))


def growth(scope: Scope, base_year: int | None = None) -> Growth | None:
    """Turnover of `scope.year` against the region's base year (e.g. 2025 on 2021)."""
    base_year = base_year or region_parameter("statistics_base_year")
    if not base_year or not scope.year or int(base_year) >= scope.year:
        return None
    base_scope = Scope(year=int(base_year), sub_center_id=scope.sub_center_id, basis=scope.basis)
    return Growth(int(base_year), scope.year, totals(base_scope), totals(scope))


TABLES = {
    "by_year": by_year,
    "by_quarter": by_quarter,
    "by_kind": by_kind,
    "by_flow": by_flow,
    "by_seller_division": by_seller_division,
    "by_buyer_division": by_buyer_division,
    "by_chain": by_chain,
    "by_sub_center": by_sub_center,
    "transformations": transformations,
}


def tables(scope: Scope, names=None) -> list[Table]:
    names = names or [n for n in TABLES if not (scope.sub_center_id and n == "by_sub_center")]
    return [TABLES[n](scope) for n in names]
