"""A university professor is seconded to an enterprise as 科技副总: the university proposes it, the
enterprise and the sub-center serving it confirm (three confirmations, each an event), the term begins;
a technical contract is then registered between the two organizations, and the secondment's outcome
page lists it."""

from datetime import timedelta

import pytest

from mengkeju.core import clock
from mengkeju.deals.tests.factories import registered_contract
from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.network.tests.factories import OrganizationFactory
from mengkeju.talent import services
from mengkeju.talent.models import Exchange, ExchangeEvent

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "pass-word-123"


def _user(username, role, organization):
    user = User(username=username, role=role, organization=organization)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def test_a_professor_seconded_as_tech_vice_president_and_the_contract_that_followed(base_data, page_factory):
    university = OrganizationFactory(
        code="chlc-u", name="敕勒川测试理工大学", kind=Organization.Kind.UNIVERSITY
    )
    enterprise = OrganizationFactory(code="kl-magnet", name="包头测试磁材科技有限公司")
    sub_center = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    hq = _user("zongbu", User.Role.HQ_OPERATOR, Organization.objects.get(kind="headquarters"))
    _user("daxue", User.Role.MEMBER, university)
    _user("qiye", User.Role.MEMBER, enterprise)
    _user("fenzhongxin", User.Role.SUBCENTER_STAFF, sub_center)
    professor = services.add_person(
        by=hq,
        name="乌兰图雅",
        kind="researcher",
        organization=university,
        title="教授",
        field="稀土永磁材料晶界扩散",
        chain_links=[ChainLink.objects.get(code="rare-earth.magnets")],
    )
    today = clock.local_date()

    # The university proposes the secondment and confirms for itself.
    page = page_factory()
    _login(page, "daxue")
    page.goto("/talent/exchanges/")
    page.click("#propose-exchange")
    page.select_option("#id_person", str(professor.pk))
    page.select_option("#id_host", str(enterprise.pk))
    page.select_option("#id_role", "tech-vice-president")
    page.select_option("#id_kind", "dual_appointment")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + timedelta(days=730)).isoformat())
    page.fill("#id_purpose", "任企业科技副总，牵头低重稀土高矫顽力磁体的中试放大。")
    page.click("#exchange-form button[type=submit]")
    page.wait_for_url("**/talent/exchanges/*/")
    exchange = Exchange.objects.get()
    assert exchange.sub_center == sub_center and exchange.is_proposed
    assert "科技副总" in page.locator("h1").inner_text()
    page.click("button[data-side=home]")
    page.wait_for_selector("#confirmations")
    assert page.locator("button[data-side=home]").count() == 0

    # The enterprise confirms as host.
    host_page = page_factory()
    _login(host_page, "qiye")
    host_page.goto(f"/talent/exchanges/{exchange.pk}/")
    host_page.click("button[data-side=host]")
    host_page.wait_for_selector("#confirmations")
    assert Exchange.objects.get(pk=exchange.pk).is_proposed  # the sub-center has not confirmed yet

    # The sub-center confirms; the exchange is confirmed and its term begins.
    node_page = page_factory()
    _login(node_page, "fenzhongxin")
    node_page.goto(f"/talent/exchanges/{exchange.pk}/")
    node_page.click("button[data-side=sub_center]")
    node_page.wait_for_selector("#start-exchange")
    assert node_page.locator("#exchange-status").inner_text() == "已确认"
    node_page.click("#start-exchange")
    node_page.wait_for_selector("#end-exchange")
    assert node_page.locator("#exchange-status").inner_text() == "进行中"
    assert list(exchange.events.values_list("kind", flat=True)) == [
        ExchangeEvent.Kind.PROPOSED,
        ExchangeEvent.Kind.HOME_CONFIRMED,
        ExchangeEvent.Kind.HOST_CONFIRMED,
        ExchangeEvent.Kind.SUB_CENTER_CONFIRMED,
        ExchangeEvent.Kind.STARTED,
    ]
    page.reload()
    assert "双方之间尚无登记的技术合同" in page.locator("#outcome-contracts").inner_text()

    # Later a technical contract between the two is registered (through the deals services).
    registration = registered_contract(
        seller=university, buyer=enterprise, title="低重稀土高矫顽力磁体中试技术开发", signed_on=today
    )
    assert registration.registered_on >= today

    # The outcome page lists it.
    page.reload()
    row = page.locator(f"#outcome-contracts tr[data-contract='{registration.contract_id}']")
    assert row.count() == 1
    assert "低重稀土高矫顽力磁体中试技术开发" in row.inner_text()
    assert registration.number in row.inner_text()

    # It fits a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
