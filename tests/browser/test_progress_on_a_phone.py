"""我的成果 / 我的需求 on a phone (390 px wide): the list and a listing's progress page fit the screen,
no sideways scrolling, with long titles, several deals, a registered contract and a long timeline."""

import pytest

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals import services as deal_services
from mengkeju.deals.models import Deal
from mengkeju.deals.tests.factories import make_contract, registered_contract
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory
from mengkeju.progress import services

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
LONG = "稀土永磁同步电机在一百八十摄氏度高温工况下不可逆退磁问题的系统性攻关与耐高温磁体替代方案研究" * 2


def _user(username, role, organization):
    user = User(username=username, role=role, organization=organization)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_progress_pages_fit_a_phone_screen(base_data, page_factory):
    baotou = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    enterprise = OrganizationFactory(name="包头示例永磁电机有限公司")
    _user("qiye", User.Role.MEMBER, enterprise)
    broker = _user("jingjiren", User.Role.BROKER, baotou)
    registrar = _user("zongzhongxin", User.Role.HQ_OPERATOR, Organization.objects.get(kind="headquarters"))
    demand = DemandFactory(owner=enterprise, title=LONG)
    for n in range(3):
        achievement = AchievementFactory(title=f"{LONG[:40]}{n}")
        deal = deal_services.open_deal_from_match(demand=demand, achievement=achievement, by=broker)
        deal_services.transition_deal(deal, Deal.Stage.NEGOTIATION, by=broker)
        deal_services.record_contact(deal, "双方就许可费率与里程碑付款达成初步一致" * 3, by=broker)
    registered_contract(
        make_contract(seller=achievement.owner, buyer=enterprise, deal=deal, title=LONG[:150]),
        registrar=registrar,
    )
    services.record_listing_shown(demand, viewer=None)

    page = page_factory()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.fill("#id_username", "qiye")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")
    page.click("#progress-link")
    page.wait_for_url("**/progress/")
    for url in ("/progress/", f"/progress/demand/{demand.pk}/", f"/demands/{demand.pk}/"):
        page.goto(url)
        assert page.locator("h1").first.is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways: {width} px wide"
    page.goto(f"/progress/demand/{demand.pk}/")
    assert page.locator("#timeline li").count() >= 8
    assert page.locator("[data-figure=registered_contracts] .mk-figure-value").inner_text() == "1"
