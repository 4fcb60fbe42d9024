"""我的成果 / 我的需求 and a listing's progress page: what each role may see, and what is shown
(figures, deals with their stages, registered contracts, the timeline)."""

import pytest
from django.test import Client

from mengkeju.catalog import services as catalog_services
from mengkeju.catalog.models import Action, Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals import services as deal_services
from mengkeju.deals.models import Deal
from mengkeju.deals.tests.factories import make_contract, registered_contract
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.progress import selectors, services

pytestmark = pytest.mark.django_db

# Who follows the progress of a published demand of the Baotou enterprise (status code of the page).
EXPECTED = {
    "anonymous": 302,  # to the login page
    "expert": 403,
    "other_member": 403,
    "analyst": 403,
    "owner": 200,
    "staff_in_scope": 200,
    "staff_out_of_scope": 403,
    "broker_in_scope": 200,
    "hq_operator": 200,
    "platform_admin": 200,
}


@pytest.fixture
def audience(people):
    return {**people, "analyst": UserFactory(role=User.Role.ANALYST)}


def client_of(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def story(orgs, audience):
    """A demand submitted and published, a deal opened on it with an achievement, moved to negotiation,
    its contract registered (which moves the deal to 'registered'), and a second deal still at intent."""
    owner = audience["owner"]
    demand = DemandFactory(
        owner=orgs["enterprise"], status=Status.DRAFT, created_by=owner, title="高温退磁攻关"
    )
    catalog_services.transition(demand, Action.SUBMIT, by=owner)
    catalog_services.transition(demand, Action.PUBLISH, by=audience["staff_in_scope"])
    achievement = AchievementFactory(owner=orgs["other_enterprise"], title="耐高温钕铁硼磁体")
    broker = audience["broker_in_scope"]
    deal = deal_services.open_deal_from_match(demand=demand, achievement=achievement, by=broker)
    deal_services.transition_deal(deal, Deal.Stage.NEGOTIATION, by=broker)
    contract = make_contract(seller=orgs["other_enterprise"], buyer=orgs["enterprise"], deal=deal)
    registration = registered_contract(contract, registrar=audience["hq_operator"])
    other_deal = deal_services.open_deal_from_match(
        demand=demand, achievement=AchievementFactory(title="另一项磁体技术"), by=broker
    )
    services.record_listing_shown(demand, viewer=audience["expert"])
    services.record_listing_shown(demand, viewer=None)
    demand.refresh_from_db()
    return {"demand": demand, "deal": deal, "other_deal": other_deal, "registration": registration}


@pytest.mark.parametrize("role", EXPECTED)
def test_who_follows_a_listings_progress(story, audience, role):
    demand = story["demand"]
    response = client_of(audience[role]).get(f"/progress/demand/{demand.pk}/")
    assert response.status_code == EXPECTED[role]
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 200:
        assert story["deal"].title in response.content.decode()


@pytest.mark.parametrize("role", EXPECTED)
def test_the_listing_page_links_to_its_progress_only_for_those_who_follow_it(story, audience, role):
    body = client_of(audience[role]).get(f"/demands/{story['demand'].pk}/").content.decode()
    assert ('id="progress-link"' in body) == (EXPECTED[role] == 200)


def test_the_progress_page_shows_figures_deals_with_stages_contracts_and_timeline(story, audience):
    demand, registration = story["demand"], story["registration"]
    body = client_of(audience["owner"]).get(f"/progress/demand/{demand.pk}/").content.decode()
    figures = body[body.index('id="figures"') : body.index('id="deals"')]
    assert '<div class="mk-figure-value">2</div><div class="mk-figure-label">浏览</div>' in figures
    assert '<div class="mk-figure-value">2</div><div class="mk-figure-label">撮合项目</div>' in figures
    assert '<div class="mk-figure-value">1</div><div class="mk-figure-label">已登记合同</div>' in figures
    deals = body[body.index('id="deals"') : body.index('id="recent"')]
    first = deals[deals.index(f'data-deal="{story["deal"].pk}"') :]
    assert first.index("已登记") < first.index(story["deal"].title)  # the stage, in Chinese
    second = deals[deals.index(f'data-deal="{story["other_deal"].pk}"') :]
    assert second.index("意向") < second.index(story["other_deal"].title)
    assert registration.number in deals and registration.contract.title in deals
    timeline = body[body.index('id="timeline"') :]
    steps = ["提交审核", "已发布", "洽谈", registration.number]
    positions = [timeline.index(step) for step in steps]
    assert positions == sorted(positions), "the timeline runs oldest first"


def test_my_listings_page_lists_the_organizations_records_with_their_deals(story, audience, orgs):
    own_achievement = AchievementFactory(owner=orgs["enterprise"], title="本单位的成果")
    AchievementFactory(owner=orgs["other_enterprise"], title="别人的成果")
    body = client_of(audience["owner"]).get("/progress/").content.decode()
    assert "我的成果" in body and "我的需求" in body
    assert story["demand"].title in body and own_achievement.title in body
    assert "别人的成果" not in body
    assert f'href="/progress/demand/{story["demand"].pk}/"' in body
    assert "已登记" in body and story["registration"].contract.title in body


@pytest.mark.parametrize("role", ["expert", "other_member", "hq_operator", "staff_in_scope", "analyst"])
def test_nobody_else_sees_the_organizations_records_on_their_progress_page(story, audience, role):
    response = client_of(audience[role]).get("/progress/")
    assert response.status_code == 200
    # (other_member's organization owns the achievement of the deal: it sees that one, not the demand)
    assert f'href="/progress/demand/{story["demand"].pk}/"' not in response.content.decode()


def test_my_listings_page_needs_a_login(story):
    assert client_of(None).get("/progress/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "linked"), [("owner", True), ("other_member", True), ("hq_operator", False)]
)
def test_the_workspace_links_members_to_their_progress(audience, role, linked):
    body = client_of(audience[role]).get("/workspace/").content.decode()
    assert ('href="/progress/"' in body) == linked


def test_the_summary_is_a_dict_of_figures_another_app_can_extend(story, audience):
    progress = selectors.progress_of(story["demand"], audience["owner"])
    assert list(progress.figures) == ["views", "recommended", "inquiries", "deals", "registered_contracts"]
    assert [f.value for f in progress.figures.values()] == [2, 0, 0, 2, 1]
    assert [line.deal.stage for line in progress.deals] == [Deal.Stage.INTENT, Deal.Stage.REGISTERED]


def test_deal_notes_stay_with_those_who_may_open_the_deal(story, audience, orgs):
    """A deal opened on the demand without the enterprise as a party: its owner sees the step, not the note."""
    outsider_deal = Deal.objects.create(
        title="第三方撮合",
        demand=story["demand"],
        sub_center=story["deal"].sub_center,
        stage=Deal.Stage.INTENT,
    )
    deal_services.record_contact(outsider_deal, "内部备注：对方报价九十万", by=audience["broker_in_scope"])
    owner_view = client_of(audience["owner"]).get(f"/progress/demand/{story['demand'].pk}/").content.decode()
    assert "第三方撮合" in owner_view and "内部备注" not in owner_view
    assert f'href="/deals/{outsider_deal.pk}/"' not in owner_view
    staff_view = (
        client_of(audience["hq_operator"]).get(f"/progress/demand/{story['demand'].pk}/").content.decode()
    )
    assert "内部备注" in staff_view


def test_the_page_costs_the_same_queries_for_few_or_many_listings(
    orgs, audience, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    broker, client = audience["broker_in_scope"], client_of(audience["owner"])

    def publish(n):
        for _ in range(n):
            demand = DemandFactory(owner=orgs["enterprise"])
            deal_services.open_deal_from_match(demand=demand, achievement=AchievementFactory(), by=broker)

    publish(1)
    with CaptureQueriesContext(connection) as few:
        client.get("/progress/")
    publish(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/progress/").content.decode().count("mk-progress-item") == 6
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("staff_in_scope", 403), ("hq_operator", 403)])
def test_a_draft_is_followed_by_its_organization_only(orgs, audience, role, status):
    draft = DemandFactory(owner=orgs["enterprise"], status=Status.DRAFT, created_by=audience["owner"])
    assert client_of(audience[role]).get(f"/progress/demand/{draft.pk}/").status_code == status


def test_inquiries_on_the_listing_are_counted(story, audience):
    from mengkeju.inquiries import services as inquiry_services

    inquirer = audience["other_member"]
    inquiry_services.send_inquiry(
        "demand", story["demand"], by=inquirer, body="我们有耐高温磁体方案，希望对接。"
    )
    inquiry_services.send_inquiry("demand", story["demand"], by=inquirer, body="补充：可提供样品。")
    progress = selectors.progress_of(story["demand"], audience["owner"])
    assert progress.figures["inquiries"].value == 1  # the second joined the open thread
    body = client_of(audience["owner"]).get(f"/progress/demand/{story['demand'].pk}/").content.decode()
    assert '<div class="mk-figure-value">1</div><div class="mk-figure-label">对接咨询</div>' in body


def test_the_inquiries_we_sent_show_the_deal_they_became_and_its_stage(orgs, audience):
    from mengkeju.inquiries import services as inquiry_services

    achievement = AchievementFactory(owner=orgs["other_enterprise"], title="耐高温钕铁硼磁体")
    thread = inquiry_services.send_inquiry(
        "achievement", achievement, by=audience["owner"], body="希望对接耐高温磁体技术。"
    )
    page = client_of(audience["owner"]).get("/progress/").content.decode()
    assert f'data-thread="{thread.pk}"' in page and "progress-deal-stage" not in page
    inquiry_services.convert_to_deal(thread, by=audience["broker_in_scope"])
    page = client_of(audience["owner"]).get("/progress/").content.decode()
    assert 'class="progress-deal-stage">意向</a>' in page
    # The other side's members do not see it among the inquiries *they* sent.
    other = client_of(audience["other_member"]).get("/progress/").content.decode()
    assert f'data-thread="{thread.pk}"' not in other
