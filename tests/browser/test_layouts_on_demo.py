"""The main pages on the demo data, in Chromium: at 390 px (a phone) no page is wider than the screen,
for anonymous visitors and for several roles; the list filters fold behind a "筛选" button on a phone;
and screenshots of the home, a list, a detail, the statistics and the chain map at 1400 and 390 px are
written for people to look at (into $MENGKEJU_SCREENSHOTS, else <pytest basetemp>/screenshots; the
path is printed)."""

import os
from pathlib import Path

import pytest

from mengkeju.catalog.models import Achievement, Demand, Platform, Status
from mengkeju.challenges.models import Challenge
from mengkeju.deals.models import Deal, Registration
from mengkeju.demo.loader import DEMO_PASSWORD, load_demo
from mengkeju.network.models import IndustryChain, Organization

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _settle(page):
    """Let the charts draw (ECharts animates for about a second)."""
    if page.evaluate("!!document.querySelector('[data-chart]')"):
        page.wait_for_function("window.mkCharts !== undefined")
        page.wait_for_timeout(1200)


def _pages(chain_code):
    achievement = Achievement.objects.filter(status=Status.PUBLISHED).order_by("pk").first()
    demand = Demand.objects.filter(status=Status.PUBLISHED).order_by("pk").first()
    challenge = Challenge.objects.exclude(status=Challenge.Status.DRAFT).order_by("pk").first()
    platform = Platform.objects.order_by("pk").first()
    node = Organization.objects.filter(kind=Organization.Kind.SUB_CENTER).order_by("code").first()
    public = [
        "/",
        "/achievements/",
        "/demands/",
        "/experts/",
        "/platforms/",
        "/services/",
        "/challenges/",
        "/licensing/",
        "/network/",
        "/chains/",
        f"/chains/{chain_code}/",
        f"/achievements/{achievement.pk}/",
        f"/demands/{demand.pk}/",
        f"/challenges/{challenge.pk}/",
        f"/platforms/{platform.pk}/",
        f"/network/organizations/{node.code}/",
    ]
    contract = (
        Registration.objects.filter(status=Registration.Status.REGISTERED).order_by("pk").first().contract
    )
    deal = Deal.objects.order_by("pk").first()
    by_role = {
        "hq": [
            "/workspace/",
            "/statistics/",
            "/deals/board/",
            "/deals/contracts/",
            f"/deals/contracts/{contract.pk}/",
            f"/deals/{deal.pk}/",
            "/deals/registrations/",
            "/deals/contracts/new/",
            "/challenges/workspace/",
        ],
        "broker": ["/workspace/", "/deals/board/", "/statistics/", "/demands/new/"],
        "enterprise": ["/workspace/", "/demands/new/", "/challenges/new/", "/progress/", "/inquiries/"],
        "researcher": ["/workspace/", "/achievements/new/", "/progress/"],
        "analyst": ["/workspace/", "/statistics/", "/deals/contracts/", f"/deals/contracts/{contract.pk}/"],
        "expert": ["/workspace/", "/challenges/workspace/"],
    }
    return public, by_role


@pytest.fixture
def demo(base_data):
    load_demo()


def test_main_pages_fit_a_phone_and_screenshots_are_written(demo, page_factory, tmp_path_factory):
    chain_code = IndustryChain.objects.order_by("position").values_list("code", flat=True).first()
    public, by_role = _pages(chain_code)
    too_wide = []

    def check(page, who, url):
        response = page.goto(url)
        assert response.status == 200, (who, url, response.status)
        _settle(page)
        width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > screen:
            too_wide.append((who, url, width))

    page = page_factory()
    page.set_viewport_size(PHONE)
    for url in public:
        check(page, "anonymous", url)
    # The achievement list's nine filters wait behind the "筛选" button, the results come first.
    page.goto("/achievements/")
    assert page.locator("#filters-toggle").is_visible()
    assert not page.locator("#list-filters").is_visible()
    page.click("#filters-toggle")
    page.locator("#list-filters").wait_for(state="visible")
    for username, urls in by_role.items():
        page = page_factory()
        page.set_viewport_size(PHONE)
        _login(page, username)
        for url in urls:
            check(page, username, url)
    assert too_wide == [], f"pages wider than a 390 px phone: {too_wide}"

    # A desktop shows the filters open.
    page = page_factory()
    page.set_viewport_size(DESKTOP)
    page.goto("/achievements/")
    assert page.locator("#list-filters").is_visible()
    assert not page.locator("#filters-toggle").is_visible()

    folder = Path(os.environ.get("MENGKEJU_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    achievement = public[11]
    shots = {
        "home": ("/", None),
        "achievement-list": ("/achievements/", None),
        "achievement-detail": (achievement, None),
        "statistics": ("/statistics/", "hq"),
        "chain-map": (f"/chains/{chain_code}/", None),
    }
    for size_name, size in (("1400", DESKTOP), ("390", PHONE)):
        anonymous = page_factory()
        hq = page_factory()
        _login(hq, "hq")
        for name, (url, who) in shots.items():
            page = hq if who else anonymous
            page.set_viewport_size(size)
            page.goto(url)
            _settle(page)
            page.screenshot(path=str(folder / f"{name}-{size_name}.png"), full_page=True)
    written = sorted(p.name for p in folder.glob("*.png"))
    print(f"\nscreenshots in {folder}: {', '.join(written)}")
    assert len(written) >= 10
