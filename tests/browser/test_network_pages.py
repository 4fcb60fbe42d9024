"""A sub-center's page in a real browser (issue 15): headquarters sees Baotou's registered contracts and the
network map drawn by ECharts with Baotou's marker; the overview map places the enclaves below the region;
on a phone (390 px) nothing scrolls sideways and the map shrinks to the screen."""

from decimal import Decimal

import pytest

from mengkeju.deals.tests.factories import registered_contract
from mengkeju.network.models import Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"

MAP_STATE = """() => {
  const el = document.getElementById('region-map');
  const chart = echarts.getInstanceByDom(el);
  const option = chart.getOption();
  const canvas = el.querySelector('canvas');
  const nodes = option.series.flatMap(s => s.data.map(d => ({code: d.code, value: d.value, outside: d.outside,
                                                               focus: !!d.focus})));
  return {width: canvas.width, height: canvas.height, boxWidth: el.getBoundingClientRect().width,
          map: option.geo[0].map, nodes, bounding: option.geo[0].boundingCoords};
}"""


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _map_state(page):
    page.wait_for_selector("#region-map[data-ready='1']")
    return page.evaluate(MAP_STATE)


def test_a_sub_center_page_shows_its_contracts_and_the_map(base_data, page_factory):
    for amount in ("120000.00", "80000.00"):
        registered_contract(amount_yuan=Decimal(amount))
    hq = User(username="zongbu", role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq"))
    hq.set_password(PASSWORD)
    hq.save()

    page = page_factory()
    _login(page, "zongbu")
    page.goto("/network/organizations/baotou/")

    # Its registered contracts this year: two, 20万元 in all, with a link to its statistics.
    row = page.locator("#turnover tbody tr").first
    assert row.locator("[data-figure='count']").inner_text() == "2"
    assert row.locator("[data-figure='amount']").inner_text() == "20万元"
    assert page.get_attribute("#node-statistics-link", "href") == "/statistics/?node=baotou"
    assert "baotou@mengkeju.example" in page.inner_text("#node-contact")

    # The map: an ECharts canvas of nonzero size, and Baotou's marker in its option, in focus.
    state = _map_state(page)
    assert state["width"] > 0 and state["height"] > 0
    assert state["map"] == "region"
    baotou = next(n for n in state["nodes"] if n["code"] == "baotou")
    assert baotou["focus"] and baotou["value"] == pytest.approx([109.883, 40.652])
    # The enclaves got a place in the row below the region's outline.
    south = state["bounding"][1][1]
    enclaves = [n for n in state["nodes"] if n["outside"]]
    assert len(enclaves) == 4 and all(south < n["value"][1] < 37.4 for n in enclaves)


def test_the_network_pages_fit_a_phone_and_the_map_follows_the_screen(base_data, page_factory):
    page = page_factory()
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/network/")
    wide = _map_state(page)
    assert {"hq", "baotou", "beijing-enclave"} <= {n["code"] for n in wide["nodes"]}

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(
        "w => echarts.getInstanceByDom(document.getElementById('region-map')).getWidth() < w",
        arg=wide["boxWidth"],
    )
    narrow = page.evaluate(MAP_STATE)
    assert 0 < narrow["boxWidth"] <= 390
    for url in ("/network/", "/network/organizations/baotou/", "/network/organizations/beijing-enclave/"):
        page.goto(url)
        _map_state(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways: {width} px wide"
