"""Pages of the industry-chain map: an index of every chain, a map per chain, the gap list in Excel."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from mengkeju.core import charts, clock
from mengkeju.network.models import IndustryChain

from . import chain_exports, chain_map, chain_permissions


def chain_index(request):
    maps = chain_map.chain_maps()
    context = {
        "maps": maps,
        "flagged": [m for m in maps if m.flagged],
        "gap_count": sum(len(m.gaps) for m in maps),
        "show_turnover": chain_permissions.can_view_turnover(request.user),
        "can_export": chain_permissions.can_export_gaps(request.user),
    }
    return render(request, "insights/chain_index.html", context)


def _graph_chart(graph: dict) -> dict | None:
    """The chain's links as a graph in stage columns, coloured gap / covered / not covered; None (no
    chart) for a chain without links."""
    if not graph["nodes"]:
        return None

    def colour(node):
        return charts.GOLD if node["gap"] else charts.GREEN if node["covered"] else charts.GREY

    figures = [
        [_("whitelisted platforms"), "platforms"],
        [_("achievements"), "achievements"],
        [_("open demands"), "demands"],
    ]
    data = [{**node, "itemStyle": {"color": colour(node)}} for node in graph["nodes"]]
    # On a phone the stages run top to bottom (each stage a row) instead of left to right, so the
    # nodes keep their size and do not overlap; ECharts applies `media` by the chart's own width.
    stages = list(dict.fromkeys(node["stage"] for node in data))
    row_of: dict[str, int] = {}
    narrow = []
    for node in data:
        index = row_of[node["stage"]] = row_of.get(node["stage"], -1) + 1
        narrow.append({**node, "x": index * 100, "y": stages.index(node["stage"]) * 110})
    return {
        "baseOption": {
            "tooltip": {"formatter": charts.formatter("nodeFigures", figures)},
            "series": [
                {
                    "type": "graph",
                    "layout": "none",
                    "roam": True,
                    "symbolSize": 44,
                    # The outer nodes stay half a label in from the edge, so their labels are not cut.
                    "left": 70,
                    "right": 70,
                    "top": 30,
                    "bottom": 40,
                    # Labels sit under the node in dark text (inside a node they were white on white).
                    "label": {
                        "show": True,
                        "position": "bottom",
                        "color": "#1b2633",
                        "fontSize": 12,
                        "width": 120,
                        "overflow": "break",
                    },
                    "edgeSymbol": ["none", "arrow"],
                    "lineStyle": {"opacity": 0.25},
                    "data": data,
                    "links": graph["edges"],
                }
            ],
        },
        "media": [
            {
                "query": {"maxWidth": 576},
                "option": {
                    "series": [
                        {
                            "symbolSize": 26,
                            "left": 46,
                            "right": 46,
                            "label": {"fontSize": 10, "width": 84},
                            "edgeSymbol": ["none", "none"],
                            "data": narrow,
                        }
                    ]
                },
            }
        ],
    }


def chain_detail(request, code: str):
    chain = get_object_or_404(IndustryChain, code=code)
    the_map = chain_map.chain_map(chain)
    context = {
        "chain": chain,
        "map": the_map,
        "charts": {"graph": _graph_chart(chain_map.graph(the_map))},
        "show_turnover": chain_permissions.can_view_turnover(request.user),
        "can_export": chain_permissions.can_export_gaps(request.user),
    }
    return render(request, "insights/chain_detail.html", context)


def gaps_export(request, code: str | None = None):
    if not chain_permissions.can_export_gaps(request.user):
        raise PermissionDenied(_("You may not export the gap list."))
    chains = [get_object_or_404(IndustryChain, code=code)] if code else None
    maps = chain_map.chain_maps(chains)
    caption = _("%(where)s · open demand counted on %(day)s · exported %(at)s") % {
        "where": maps[0].chain.name if code else _("all chains"),
        "day": clock.local_date().isoformat(),
        "at": clock.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    response = HttpResponse(
        chain_exports.gaps_workbook(maps, caption=caption),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="chain-gaps-{code or "all"}.xlsx"'
    return response
