"""Charts on pages: a view builds each chart's ECharts option here in Python, next to its data, and puts
them in its context as `charts = {name: option}`. base.html writes them once as JSON (id "mk-charts")
and loads static/mengkeju/charts.js, which draws every `<div data-chart="name">`; an option of None
hides its container (nothing to draw). Templates only place the containers.

An option is plain JSON. What JSON cannot carry, a formatter function, is named with `formatter()`:
charts.js keeps the functions under those names.
"""

from __future__ import annotations

BLUE = "#0b4f8a"
GREEN = "#2e8b57"
GOLD = "#d4a017"
RED = "#c0504d"
GREY = "#9aa5b1"
# The series colours, in order, of charts with several series.
PALETTE = [BLUE, GREEN, GOLD, RED, "#6a5acd", "#20b2aa", "#8b4513"]


def formatter(name: str, *args) -> dict:
    """A formatter function charts.js registers as `name`, called with `args` to make the function:
    "fixed" (digits) formats a value with that many decimals; "nodeFigures" ([[label, field], ...])
    writes a graph node's name and one line per figure."""
    return {"$formatter": name, "args": list(args)}


def ten_thousands(yuan) -> float:
    """Money on the charts is in 万元 (10,000 yuan)."""
    return float(yuan / 10_000)
