"""A network node's page (issue 15): what a sub-center is responsible for — listings, deals, registered
contracts — counted against data made here; who may see which part; and a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals.models import Deal, Registration
from mengkeju.deals.tests.factories import DealFactory, registered_contract
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import ROUTED_NODES_SHOWN, Routing, responsible_nodes
from mengkeju.network.tests.factories import UserFactory, division
from mengkeju.portal import network_selectors as nodes

pytestmark = pytest.mark.django_db
Role = User.Role
STAGE = Deal.Stage


@pytest.fixture
def baotou():
    return Organization.objects.get(code="baotou")


@pytest.fixture
def made(baotou):
    """Baotou's listings, deals and registered contracts, and some that are not Baotou's."""
    ours = {
        "achievements": [AchievementFactory(chain_links=["rare-earth.magnets"]) for _ in range(3)],
        "demands": [DemandFactory(chain_links=["rare-earth.mining"]) for _ in range(2)],
    }
    # Routed elsewhere: a Chifeng dairy demand (Chifeng, then enclaves serving dairy) and drafts.
    AchievementFactory(division=division("150400"), chain_links=["dairy.processing"])
    DemandFactory(division=division("150400"), chain_links=["dairy.processing"])
    AchievementFactory(status=Status.DRAFT, chain_links=["rare-earth.magnets"])
    demand = ours["demands"][0]
    for stage in (STAGE.INTENT, STAGE.INTENT, STAGE.NEGOTIATION, STAGE.SIGNED):
        DealFactory(stage=stage, demand=demand)
    DealFactory(stage=STAGE.INTENT, demand=demand, sub_center=Organization.objects.get(code="chifeng"))
    contracts = [registered_contract(amount_yuan=Decimal(a)) for a in ("100000.00", "250000.50", "50000.00")]
    Registration.objects.filter(pk=contracts[2].pk).update(registered_on=date(2025, 6, 30))
    registered_contract(sub_center=Organization.objects.get(code="chifeng"), amount_yuan=Decimal("7.00"))
    return {"ours": ours, "contracts": contracts}


def _user(role, org_code=None):
    return UserFactory(role=role, organization=Organization.objects.get(code=org_code) if org_code else None)


# --- selectors -------------------------------------------------------------------------------------


def test_a_sub_center_has_the_listings_that_name_it_its_deals_and_its_contract_turnover(baotou, made):
    routed = nodes.routed_listings(None, baotou)  # as an anonymous visitor sees them
    assert routed.achievement_count == 3 and routed.demand_count == 2
    assert {a.pk for a in routed.achievements} == {a.pk for a in made["ours"]["achievements"]}
    assert {d.pk for d in routed.demands} == {d.pk for d in made["ours"]["demands"]}

    counts = {s["stage"]: s["count"] for s in nodes.deal_stage_counts(baotou)}
    assert counts == {**dict.fromkeys(STAGE.values, 0), "intent": 2, "negotiation": 1, "signed": 1}

    this_year = made["contracts"][0].registered_on.year
    rows = {int(r.key): r for r in nodes.turnover_by_year(baotou).rows}
    assert rows[this_year].count == 2 and rows[this_year].amount_yuan == Decimal("350000.50")
    assert rows[2025].count == 1 and rows[2025].amount_yuan == Decimal("50000.00")
    assert sum(r.count for r in rows.values()) == 3  # Chifeng's contract is not Baotou's


def test_a_node_page_lists_exactly_the_listings_whose_page_names_it(baotou, made):
    """The inverse of the listing page's "routed to" box: the same rule, the same first three nodes."""
    routing = Routing()
    service_nodes = list(Organization.objects.filter(kind__in=Organization.SERVICE_NODE_KINDS))
    on_pages = {}
    for node in service_nodes:
        shown = nodes.routed_listings(None, node)
        on_pages[node.code] = {("a", x.pk) for x in shown.achievements} | {("d", x.pk) for x in shown.demands}
    listings = [("a", x) for x in made["ours"]["achievements"]] + [("d", x) for x in made["ours"]["demands"]]
    for kind, listing in listings:
        chains = {link.chain_id for link in listing.chain_links.all()}
        named = responsible_nodes(listing.division, chains)[:ROUTED_NODES_SHOWN]
        assert len(named) == ROUTED_NODES_SHOWN
        assert named == routing.nodes_for(listing.division_id, chains)[:ROUTED_NODES_SHOWN]
        for node in service_nodes:
            assert ((kind, listing.pk) in on_pages[node.code]) == (node in named), (listing, node)


def test_headquarters_takes_the_listings_no_node_serves(made):
    hq = Organization.objects.get(code="hq")
    orphan = AchievementFactory(division=division("110000"), chain_links=["grass.seed"])
    routed = nodes.routed_listings(None, hq)
    assert [a.pk for a in routed.achievements] == [orphan.pk]
    assert responsible_nodes(orphan.division, {orphan.chain_links.get().chain_id}) == []


def test_a_cooperating_institution_is_responsible_for_no_listing(made):
    imust = Organization.objects.get(code="imust")
    assert nodes.routed_listings(None, imust).achievement_count == 0


# --- the page and who sees what ------------------------------------------------------------------


def _page(client_user, code="baotou"):
    client = Client()
    if client_user is not None:
        client.force_login(client_user)
    response = client.get(f"/network/organizations/{code}/")
    assert response.status_code == 200
    return response


def test_anonymous_visitors_see_the_public_parts_only(baotou, made):
    broker = UserFactory(
        role=Role.BROKER, organization=baotou, display_name="王技术经理", phone="13900001111"
    )
    response = _page(None)
    body = response.content.decode()
    ctx = response.context
    assert "蒙科聚包头分中心" in body
    assert "baotou@mengkeju.example" in body  # the node's official contact is public
    assert "王技术经理" in body  # brokers by name, each linked to their public record …
    assert f'href="/network/brokers/{broker.pk}/" data-broker' in body
    assert "13900001111" not in body  # … never their own phone
    assert ctx["routed"].achievement_count == 3
    assert [s["count"] for s in ctx["deal_stages"] if s["stage"] == "intent"] == [2]
    assert not ctx["shows_deal_list"] and "deals" not in ctx
    assert not ctx["shows_turnover"] and "turnover" not in ctx
    assert 'id="turnover"' not in body and 'id="node-deal-list"' not in body
    for deal in Deal.objects.filter(sub_center=baotou):
        assert f"/deals/{deal.pk}/" not in body
    assert ctx["region_map"]["option"]["series"]


@pytest.mark.parametrize(
    ("role", "org", "sees_deals", "sees_turnover"),
    [
        (Role.HQ_OPERATOR, "hq", True, True),
        (Role.PLATFORM_ADMIN, "hq", True, True),
        (Role.SUBCENTER_STAFF, "baotou", True, True),
        (Role.BROKER, "baotou", True, True),
        (Role.SUBCENTER_STAFF, "chifeng", False, False),
        (Role.BROKER, "chifeng", False, False),
        (Role.ANALYST, None, False, True),
        (Role.MEMBER, "imust", False, False),
        (Role.EXPERT, None, False, False),
    ],
)
def test_deal_details_and_contract_figures_go_to_those_allowed(made, role, org, sees_deals, sees_turnover):
    response = _page(_user(role, org))
    ctx, body = response.context, response.content.decode()
    assert ctx["shows_deal_list"] is sees_deals
    assert ctx["shows_turnover"] is sees_turnover
    deal = Deal.objects.filter(sub_center__code="baotou").first()
    assert (f"/deals/{deal.pk}/" in body) is sees_deals
    assert ('id="turnover"' in body) is sees_turnover
    if sees_deals:
        assert len(ctx["deals"]) == 4 and "?sub_center=baotou" in body
    if sees_turnover:
        assert "/statistics/?node=baotou" in body
        assert sum(r.count for r in ctx["turnover"].rows) == 3


def test_an_enclave_page_shows_its_home_province_and_the_map_marks_it_outside(made):
    response = _page(None, "beijing-enclave")
    assert response.context["is_outside_region"]
    option = response.context["region_map"]["option"]
    marker = next(d for s in option["series"] for d in s["data"] if d["code"] == "beijing-enclave")
    assert marker["outside"] and marker["value"] is None and marker["place"] == "北京市"
    assert marker["focus"] and marker["label"]["show"]
    shaded = {r["name"] for r in option["geo"]["regions"]}
    assert shaded == {"呼和浩特市", "包头市", "鄂尔多斯市", "乌兰察布市", "锡林郭勒盟"}


def test_the_page_reads_a_fixed_number_of_queries_however_much_there_is(
    baotou, made, django_assert_max_num_queries
):
    hq = _user(Role.HQ_OPERATOR, "hq")
    client = Client()
    client.force_login(hq)
    client.get("/network/organizations/baotou/")  # warm the session and the region's caches
    with CaptureQueriesContext(connection) as before:
        client.get("/network/organizations/baotou/")
    for _ in range(5):
        AchievementFactory(chain_links=["rare-earth.magnets"])
        DemandFactory(chain_links=["rare-earth.magnets"])
        DealFactory(stage=STAGE.NEGOTIATION)
        UserFactory(role=Role.BROKER, organization=baotou)
    registered_contract(amount_yuan=Decimal("1.00"))
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get("/network/organizations/baotou/")
    assert response.context["routed"].achievement_count == 8
    assert len(before.captured_queries) <= 40, [q["sql"][:80] for q in before.captured_queries]
