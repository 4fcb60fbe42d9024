"""The contract-statistics dashboards (HQ and per sub-center) and their Excel exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from mengkeju.core import charts, clock
from mengkeju.network.models import Organization

from . import exports, permissions, selectors

MIN_YEAR, MAX_YEAR = 1990, 2200


def _statistics(request, node: Organization | None) -> selectors.Statistics:
    """The statistics the request asks for: its year (default: the latest with data), date basis and node."""
    basis = request.GET.get("basis") or selectors.default_basis()
    if basis not in selectors.DATE_BASES:
        basis = selectors.default_basis()
    stats = selectors.Statistics(selectors.Scope(sub_center_id=node.pk if node else None, basis=basis))
    year = request.GET.get("year", "")
    if year.isdigit() and MIN_YEAR <= int(year) <= MAX_YEAR:
        year = int(year)
    else:
        years = stats.years()
        year = years[-1] if years else clock.local_date().year
    return stats.for_year(year)


def _node(request) -> Organization | None:
    code = request.GET.get("node") or ""
    if not code:
        return None
    return get_object_or_404(
        Organization, code=code, kind__in=[*Organization.SERVICE_NODE_KINDS, Organization.Kind.HEADQUARTERS]
    )


def _authorise(request, node: Organization | None) -> None:
    allowed = (
        permissions.can_view_sub_center(request.user, node)
        if node
        else permissions.can_view_region(request.user)
    )
    if not allowed:
        raise PermissionDenied(_("You may not read these statistics."))


# How each statistics table is charted: money per category as a pie, or as bars (horizontal for long
# category names, with the contract count as a line on a second axis when vertical).
PIES = ("by_kind", "by_flow")
HORIZONTAL_BARS = ("by_seller_division", "by_buyer_division", "by_chain", "by_sub_center")


def _charts(tables: dict[str, selectors.Table]) -> dict:
    """One chart per table, turnover in 万元; None (no chart) for a table without rows."""
    money, count = _("turnover, 10k yuan"), _("contracts")

    def chart(name: str, table: selectors.Table) -> dict | None:
        if not table.rows:
            return None
        labels = [r.label for r in table.rows]
        if (
            name == "by_quarter"
        ):  # the year is the page's; under a bar "一季度" fits where "2026年第1季度" does not
            labels = [_("Q%(quarter)s") % {"quarter": r.key[-1]} for r in table.rows]
        amounts = [charts.ten_thousands(r.amount_yuan) for r in table.rows]
        common = {"color": charts.PALETTE}
        if name in PIES:
            return {
                **common,
                "tooltip": {"trigger": "item", "valueFormatter": charts.formatter("fixed", 2)},
                "series": [
                    {
                        "name": money,
                        "type": "pie",
                        "radius": ["35%", "65%"],
                        "data": [
                            {"name": label, "value": v} for label, v in zip(labels, amounts, strict=True)
                        ],
                    }
                ],
            }
        horizontal = name in HORIZONTAL_BARS
        # Long names (a sub-center, a chain) are cut with "…" at a fixed width and the grid makes room
        # for them (containLabel), so no label runs off the chart; the tooltip shows the full name.
        # Under a vertical bar a label wraps instead ("2026年第1季度" on two lines, not "2026年第1…").
        label = {
            "interval": 0,
            "fontSize": 11,
            "width": 150 if horizontal else 70,
            "overflow": "truncate" if horizontal else "break",
        }
        if not horizontal and len(labels) > 4:
            label["rotate"] = 30
        category = {"type": "category", "data": labels, "axisLabel": label}
        value = [{"type": "value", "name": money}, {"type": "value", "name": count, "minInterval": 1}]
        series = [{"name": money, "type": "bar", "data": amounts}]
        if not horizontal:
            series.append(
                {"name": count, "type": "line", "yAxisIndex": 1, "data": [r.count for r in table.rows]}
            )
        return {
            **common,
            "tooltip": {"trigger": "axis"},
            # The legend sits at the bottom: at the top it covered the axis names on a phone.
            "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 40, "top": 30, "bottom": 30, "containLabel": True},
            "xAxis": value[0] if horizontal else category,
            "yAxis": category if horizontal else value,
            "series": series,
        }

    return {name: chart(name, table) for name, table in tables.items()}


def _drill_down(
    tables: dict[str, selectors.Table], scope: selectors.Scope, node: Organization | None
) -> dict:
    """Give every figure (each row and each total) `drill`: the contract list's query string for the
    contracts it counts (deals.selectors.statistics_filter reads it). Returns the headline's own."""
    base = {"registered": "1", "basis": scope.basis, **({"node": node.code} if node else {})}
    year = {"year": scope.year} if scope.year else {}
    transformations = [("kind", kind) for kind in selectors.TRANSFORMATION_KINDS]

    def query(*pairs) -> str:
        return urlencode([*base.items(), *pairs])

    def row_pairs(name: str, key: str) -> list:
        if name in ("by_year", "transformations"):
            pairs = [("year", key)]
            return pairs + transformations if name == "transformations" else pairs
        if name == "by_quarter":
            return [("quarter", key)]
        dimension = {
            "by_kind": "kind",
            "by_flow": "flow",
            "by_seller_division": "seller",
            "by_buyer_division": "buyer",
            "by_chain": "chain",
            "by_sub_center": "sub_center",
        }[name]
        return [*year.items(), (dimension, "none" if key == "-" else key)]

    for name, table in tables.items():
        for row in table.rows:
            row.drill = query(*row_pairs(name, row.key))
        over_years = name in ("by_year", "transformations")
        table.total_drill = query(
            *(() if over_years else year.items()), *(transformations if name == "transformations" else ())
        )
    return {"count": query(*year.items())}


@login_required
def dashboard(request):
    node = _node(request)
    if node is None and not permissions.can_view_region(request.user):
        home = permissions.home_node(request.user)
        if home is not None:
            return redirect(f"{request.path}?node={home.code}")
    _authorise(request, node)
    stats = _statistics(request, node)
    scope = stats.scope
    tables = {t.name: t for t in stats.tables()}
    context = {
        "node": node,
        "scope": scope,
        "bases": selectors.DATE_BASES,
        "years": stats.years() or [scope.year],
        "totals": stats.totals(),
        "growth": stats.growth(),
        "tables": tables,
        "charts": _charts(tables),
        "drill": _drill_down(tables, scope, node),
        "nodes": Organization.objects.filter(kind__in=Organization.SERVICE_NODE_KINDS).order_by("code")
        if permissions.can_view_region(request.user)
        else [],
    }
    if node is None:
        from mengkeju.points.views import dashboard_panel

        context["points_panel"] = panel = dashboard_panel(request.user, scope.year)
        if panel and panel["chart"]:
            context["charts"]["points_financing"] = panel["chart"]
    return render(request, "insights/dashboard.html", context)


@login_required
def export(request):
    node = _node(request)
    _authorise(request, node)
    stats = _statistics(request, node)
    scope = stats.scope
    name = request.GET.get("table", "all")
    if name != "all" and name not in selectors.TABLES:
        raise Http404(_("No such table."))
    tables = stats.tables(None if name == "all" else [name])
    caption = _("%(where)s · %(year)s · counted by %(basis)s · exported %(at)s") % {
        "where": node.name if node else _("whole region"),
        "year": scope.year,
        "basis": selectors.DATE_BASES[scope.basis],
        "at": clock.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    content = exports.workbook(tables, caption=caption)
    filename = f"contracts-{node.code if node else 'region'}-{scope.year}-{name}.xlsx"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
