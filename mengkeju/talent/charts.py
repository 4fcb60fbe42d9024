"""The talent dashboard's ECharts options (core.charts draws them)."""

from __future__ import annotations

from mengkeju.core import charts


def _stacked(matrix) -> dict | None:
    lines = matrix.lines()
    if not lines or not any(total for *_rest, total in lines):
        return None
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "color": charts.PALETTE,
        "grid": {"left": 40, "right": 10, "bottom": 60, "top": 30, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [label for label, *_rest in lines],
            "axisLabel": {"rotate": 30},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": tier.label,
                "type": "bar",
                "stack": "tier",
                "data": [values[i] for _l, _c, values, _t in lines],
            }
            for i, tier in enumerate(matrix.tiers)
        ],
    }


def _sankey(flows) -> dict | None:
    if not flows:
        return None
    # The same name on both sides would make a cycle: the host side is marked with an arrow.
    nodes = sorted({a for a, _b, _n in flows}) + sorted({f"→ {b}" for _a, b, _n in flows})
    return {
        "tooltip": {"trigger": "item"},
        "color": charts.PALETTE,
        "series": [
            {
                "type": "sankey",
                "data": [{"name": n} for n in nodes],
                "links": [{"source": a, "target": f"→ {b}", "value": n} for a, b, n in flows],
                "emphasis": {"focus": "adjacency"},
                "lineStyle": {"color": "gradient", "curveness": 0.5},
            }
        ],
    }


def dashboard_charts(figures: dict) -> dict:
    return {
        "by_chain": _stacked(figures["by_chain"]),
        "by_division": _stacked(figures["by_division"]),
        "by_year": _stacked(figures["by_year"]),
        "flows_kind": _sankey(figures["flows_by_kind"]),
        "flows_division": _sankey(figures["flows_by_division"]),
    }
