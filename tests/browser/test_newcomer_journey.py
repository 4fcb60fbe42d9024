"""A newcomer's journey: an enterprise publishes a demand, its sub-center reviews it, the public finds it."""

import pytest

from mengkeju.catalog.models import Demand, Status
from mengkeju.network.models import Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def test_enterprise_publishes_subcenter_reviews_public_finds(base_data, page_factory):
    baotou = Organization.objects.get(kind="sub_center", serves_divisions__code="150200")
    enterprise = Organization.objects.create(
        code="e-journey",
        name="包头示例永磁电机有限公司",
        kind=Organization.Kind.ENTERPRISE,
        division=baotou.division,
    )
    for username, role, org in (
        ("qiye", User.Role.MEMBER, enterprise),
        ("fenzhongxin", User.Role.SUBCENTER_STAFF, baotou),
    ):
        user = User(username=username, role=role, organization=org)
        user.set_password(PASSWORD)
        user.save()

    # 1. The enterprise user logs in and publishes a demand.
    page = page_factory()
    _login(page, "qiye")
    # The vendored stylesheet is served (the navigation bar has its brand background, not the default).
    background = page.eval_on_selector("nav.mk-nav", "e => getComputedStyle(e).backgroundImage")
    assert "linear-gradient" in background
    page.click("text=发布技术需求")
    page.fill("#id_title", "永磁同步电机高温退磁攻关")
    page.fill("#id_problem", "我公司牵引电机在180℃工况下磁体出现不可逆退磁，寻求耐高温磁体或结构散热方案。")
    page.fill("#id_indicators", "工作温度≥180℃；不可逆磁通损失≤3%")
    page.check('input[name=chain_links][value="rare-earth.applications"]')
    page.select_option("#id_division", "150200")
    page.fill("#id_budget_yuan", "-100")
    page.check("input[name=cooperation_modes][value=joint_development]")
    page.click("button[name=submit]")
    # A negative budget is refused with a message next to the field; nothing is saved.
    assert page.locator("ul.errorlist[data-field=budget_yuan]").is_visible()
    assert not Demand.objects.exists()
    page.fill("#id_budget_yuan", "800000")
    page.click("button[name=submit]")
    page.wait_for_selector("text=待审核")
    demand = Demand.objects.get()
    assert demand.status == Status.SUBMITTED

    # The public cannot see it yet.
    visitor = page_factory()
    visitor.goto("/demands/?q=退磁")
    assert visitor.locator("text=永磁同步电机高温退磁攻关").count() == 0

    # 2. The Baotou sub-center's staff member reviews it from the workspace and publishes it.
    staff = page_factory()
    _login(staff, "fenzhongxin")
    staff.click("#review-queue >> text=永磁同步电机高温退磁攻关")
    staff.click("button[data-action=publish]")
    staff.wait_for_selector(".alert-success")
    demand.refresh_from_db()
    assert demand.status == Status.PUBLISHED

    # 3. A public visitor searches from the home page and finds it.
    visitor.goto("/")
    visitor.select_option("select[name=in]", "demands")
    visitor.fill("input[name=q]", "退磁")
    visitor.click("form[role=search] button[type=submit]")
    visitor.click("text=永磁同步电机高温退磁攻关")
    assert visitor.locator("h1").inner_text().startswith("永磁同步电机高温退磁攻关")
    assert "包头示例永磁电机有限公司" in visitor.content()
