"""Every chart starts from the one static charts.js: the home page, the service network, the chain map
and the open-challenges overview each draw their charts (a canvas in each container) from the options
their views wrote, an empty chart's container is hidden, and no page logs a JavaScript error."""

import pytest

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory

pytestmark = [pytest.mark.browser]
LINK = "rare-earth.magnets"
PAGES = [
    ("/", {"chains"}),
    ("/network/", {"coverage"}),
    ("/chains/rare-earth/", {"graph"}),
    ("/challenges/overview/", {"stages", "chains", "money"}),
]


def test_chart_pages_draw_their_charts_without_errors(base_data, page_factory):
    AchievementFactory(title="晶界扩散钕铁硼磁体", chain_links=[LINK])
    DemandFactory(title="高温永磁电机退磁攻关", chain_links=[LINK])
    page = page_factory(language="en")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    for url, charts in PAGES:
        page.goto(url)
        for name in charts:
            page.wait_for_selector(f"[data-chart='{name}'] canvas")
        assert set(page.evaluate("Object.keys(window.mkCharts)")) == charts, url

    # The chain map's node tooltip is charts.js's named formatter, fed the view's labels.
    page.goto("/chains/rare-earth/")
    page.wait_for_selector("[data-chart='graph'] canvas")
    tooltip = page.evaluate(
        """mkCharts.graph.getOption().tooltip[0].formatter(
             {dataType: 'node', data: {name: 'A<b>', platforms: 1, achievements: 2, demands: 3}})"""
    )
    assert tooltip == "A&lt;b&gt;<br>whitelisted platforms: 1<br>achievements: 2<br>open demands: 3"
    assert page.evaluate("mkCharts.graph.getOption().tooltip[0].formatter({dataType: 'edge'})") == ""

    # No move up the incubation ladder yet: its sankey has nothing to draw and is hidden.
    page.goto("/network/ladder/")
    assert page.locator("[data-chart='ladder']").is_hidden()
    assert page.evaluate("Object.keys(window.mkCharts)") == []

    assert errors == []
