"""The chain map on a hand-built chain: coverage, gaps, turnover attribution, Excel export, API."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import Expert, Platform, Status, WhitelistAction
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals.tests.factories import DealFactory, registered_contract
from mengkeju.insights import chain_map
from mengkeju.network.models import ChainLink, Division, IndustryChain, Organization
from mengkeju.network.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """A cashmere chain: fibre (upstream) → spinning (midstream) → garments (downstream) → recycling."""
    c = IndustryChain.objects.create(code="cashmere", name="羊绒", position=99)
    for i, (code, name, stage) in enumerate(
        [
            ("fibre", "羊绒原料", "upstream"),
            ("spinning", "纺纱", "midstream"),
            ("garments", "服装", "downstream"),
            ("recycling", "回收", "downstream"),
        ]
    ):
        ChainLink.objects.create(chain=c, code=f"cashmere.{code}", name=name, stage=stage, position=i)
    return c


def platform(code, *, whitelisted, org=None, name="羊绒检测平台"):
    p = Platform.objects.create(
        name=name,
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=org or OrganizationFactory(kind=Organization.Kind.INSTITUTE),
        division=Division.objects.get(code="150200"),
        whitelisted=whitelisted,
    )
    p.chain_links.set(ChainLink.objects.filter(code=code))
    return p


def figures(the_map, code):
    return next(f for f in the_map.links if f.link.code == code)


def test_gaps_and_coverage_on_a_hand_built_chain(chain):
    enterprise = OrganizationFactory()
    # fibre: demand, supply, whitelisted platform → covered, no gap
    DemandFactory(chain_links=["cashmere.fibre"], owner=enterprise)
    AchievementFactory(chain_links=["cashmere.fibre"])
    platform("cashmere.fibre", whitelisted=True)
    # spinning: demand and supply, platform only applied for → gap (no whitelisted platform)
    DemandFactory(chain_links=["cashmere.spinning"])
    AchievementFactory(chain_links=["cashmere.spinning"])
    platform("cashmere.spinning", whitelisted=False)
    # garments: demand and a whitelisted platform, no published supply → gap (no supply)
    DemandFactory(chain_links=["cashmere.garments"])
    AchievementFactory(chain_links=["cashmere.garments"], status=Status.SUBMITTED)
    platform("cashmere.garments", whitelisted=True, org=enterprise)
    # recycling: no open demand (expired, draft) and nothing else → not a gap, but not covered
    DemandFactory(chain_links=["cashmere.recycling"], status=Status.DRAFT)
    expired = DemandFactory(chain_links=["cashmere.recycling"])
    type(expired).objects.filter(pk=expired.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    expert = Expert.objects.create(
        name="王教授", tier=Expert.Tier.LEADING, organization=enterprise, division=enterprise.division
    )
    expert.chain_links.set(ChainLink.objects.filter(code="cashmere.recycling"))

    the_map = chain_map.chain_map(chain)
    assert [f.link.code for f in the_map.gaps] == ["cashmere.spinning", "cashmere.garments"]
    assert figures(the_map, "cashmere.spinning").gap_reasons == [chain_map.NO_PLATFORM]
    assert figures(the_map, "cashmere.garments").gap_reasons == [chain_map.NO_SUPPLY]
    fibre = figures(the_map, "cashmere.fibre")
    assert (fibre.open_demands, fibre.achievements, len(fibre.whitelisted_platforms), fibre.enterprises) == (
        1,
        1,
        1,
        2,
    )
    assert (
        figures(the_map, "cashmere.garments").enterprises == 2
    )  # demand owner + platform owner, not the draft
    recycling = figures(the_map, "cashmere.recycling")
    assert (recycling.open_demands, recycling.experts, recycling.is_gap, recycling.covered) == (
        0,
        1,
        False,
        False,
    )
    assert (the_map.covered_links, the_map.coverage_percent, the_map.flagged) == (2, Decimal("50.0"), True)


def test_listing_a_platform_through_the_whitelist_closes_the_gap(chain, people):
    DemandFactory(chain_links=["cashmere.spinning"])
    AchievementFactory(chain_links=["cashmere.spinning"])
    p = platform("cashmere.spinning", whitelisted=False)
    assert [f.link.code for f in chain_map.chain_map(chain).gaps] == ["cashmere.spinning"]
    hq = people["hq_operator"]
    for step in (WhitelistAction.APPLY, WhitelistAction.REVIEW, WhitelistAction.LIST):
        catalog_services.whitelist_step(p, step, by=hq)
    assert chain_map.chain_map(chain).gaps == []
    catalog_services.whitelist_step(
        p, WhitelistAction.REMOVE, by=hq, reason="年度考核不合格", year=timezone.localdate().year
    )
    assert [f.link.code for f in chain_map.chain_map(chain).gaps] == ["cashmere.spinning"]


def test_chain_fully_covered_is_not_flagged(chain):
    for link in chain.links.all():
        platform(link.code, whitelisted=True)
    the_map = chain_map.chain_map(chain)
    assert not the_map.flagged and the_map.coverage_percent == Decimal("100.0")


def test_turnover_is_the_chain_figure_and_attributed_to_links_through_the_deal(chain):
    demand = DemandFactory(chain_links=["cashmere.spinning", "cashmere.garments"])
    achievement = AchievementFactory(chain_links=["cashmere.spinning", "rare-earth.magnets"])
    registered_contract(
        chain=chain,
        deal=DealFactory(demand=demand, achievement=achievement),
        amount_yuan=Decimal("300000.10"),
    )
    registered_contract(chain=chain, amount_yuan=Decimal("50000.00"))  # no deal: chain-level only
    registered_contract(
        chain=IndustryChain.objects.get(code="dairy"), amount_yuan=Decimal("99.00")
    )  # another chain
    the_map = chain_map.chain_map(chain)
    assert (the_map.contracts, the_map.turnover_yuan) == (2, Decimal("350000.10"))
    assert figures(the_map, "cashmere.spinning").turnover_yuan == Decimal(
        "300000.10"
    )  # counted once per link
    assert figures(the_map, "cashmere.garments").turnover_yuan == Decimal("300000.10")
    assert figures(the_map, "cashmere.fibre").turnover_yuan == Decimal("0.00")


def test_gap_list_exports_to_excel(chain, people):
    DemandFactory(chain_links=["cashmere.spinning"])
    c = Client()
    c.force_login(people["hq_operator"])
    response = c.get("/chains/cashmere/gaps.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    gaps = list(book["缺口"].iter_rows(min_row=4, values_only=True))
    assert len(gaps) == 1
    chain_name, link, stage, demands, whitelisted, achievements, reasons = gaps[0]
    assert stage == "中游" or stage == "midstream"
    assert (chain_name, link, demands, whitelisted, achievements) == ("羊绒", "纺纱", 1, 0, 0)
    assert isinstance(demands, int) and reasons
    coverage = list(book["覆盖率"].iter_rows(min_row=4, values_only=True))
    assert coverage == [("羊绒", 4, 0, 0.0, 1, coverage[0][5])]
    everything = load_workbook(BytesIO(c.get("/chains/gaps.xlsx").content))
    assert everything["覆盖率"].max_row - 3 == IndustryChain.objects.count()


def test_every_region_pack_chain_has_a_page_and_the_map_shows_the_gap(chain):
    DemandFactory(chain_links=["cashmere.garments"])
    anonymous = Client()
    index = anonymous.get("/chains/").content.decode()
    for c in IndustryChain.objects.all():
        assert f'data-chain="{c.code}"' in index
    page = anonymous.get("/chains/cashmere/").content.decode()
    assert 'class="mk-item gap" data-link="cashmere.garments"' in page
    assert "Registered turnover" not in page and 'data-figure="turnover"' not in page  # not for the public


def test_api_reads_the_same_map(chain, people):
    DemandFactory(chain_links=["cashmere.garments"])
    api = APIClient()
    body = api.get("/api/chain-map/cashmere/").json()
    garments = next(link for link in body["link_figures"] if link["code"] == "cashmere.garments")
    assert garments["gap"] and garments["gap_reasons"] == ["no_platform", "no_supply"]
    assert "turnover_yuan" not in body
    api.force_authenticate(people["hq_operator"])
    assert "turnover_yuan" in api.get("/api/chain-map/cashmere/").json()
    gaps = api.get("/api/chain-map/gaps/").json()
    assert any(g["chain"] == "cashmere" and g["link"] == "cashmere.garments" for g in gaps)
    schema = api.get("/api/schema/").content.decode()
    for path in (
        "/api/chain-map/",
        "/api/guidance/",
        "/api/ladder/stays/flow/",
        "/api/platforms/{id}/whitelist/",
    ):
        assert path in schema
