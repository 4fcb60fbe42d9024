"""A gap on the chain map closes when headquarters lists a platform serving that link.

Headquarters opens the rare-earth chain map and sees the permanent-magnet link flagged as a gap (open
demand, supply, but no whitelisted platform); it follows the link's platform to its page, takes it
through the whitelist (apply → review → list), and the map no longer shows the gap.
"""

import pytest

from mengkeju.catalog.models import Platform, WhitelistEvent
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.network.models import ChainLink, Division, Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
LINK = "rare-earth.magnets"


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def test_listing_a_platform_closes_the_gap_on_the_chain_map(base_data, page_factory):
    baotou = Division.objects.get(code="150200")
    enterprise = Organization.objects.create(
        code="e-magnet", name="包头永磁电机有限公司", kind=Organization.Kind.ENTERPRISE, division=baotou
    )
    DemandFactory(owner=enterprise, title="高温永磁电机退磁攻关", chain_links=[LINK])
    AchievementFactory(title="晶界扩散钕铁硼磁体", chain_links=[LINK])
    platform = Platform.objects.create(
        name="稀土永磁材料中试平台",
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=enterprise,
        division=baotou,
    )
    platform.chain_links.set(ChainLink.objects.filter(code=LINK))
    hq = User(
        username="zongzhongxin", role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq")
    )
    hq.set_password(PASSWORD)
    hq.save()

    page = page_factory()
    _login(page, "zongzhongxin")

    # 1. The chain map shows the gap on the permanent-magnet link, in Chinese.
    page.goto("/chains/rare-earth/")
    gap = page.locator(f"#gaps .gap[data-link='{LINK}']")
    assert gap.count() == 1
    assert "无白名单平台" in gap.inner_text()
    assert page.get_attribute(f".link-card[data-link='{LINK}']", "data-covered") == "0"
    assert page.locator("#chain-flag").inner_text() == "未全覆盖"

    # 2. HQ follows the link's platform and takes it through the whitelist pages.
    page.click(f".link-card[data-link='{LINK}'] .platform a")
    page.wait_for_url(f"**/platforms/{platform.pk}/")
    for action in ("apply", "review", "list"):
        page.click(f"form.whitelist-step[data-action='{action}'] button")
        page.wait_for_url(f"**/platforms/{platform.pk}/")
    assert page.get_attribute("#whitelist-status", "data-status") == "listed"
    assert list(WhitelistEvent.objects.values_list("action", flat=True)) == ["apply", "review", "list"]
    # Listing it again is not offered, and the history shows every step.
    assert page.locator("form.whitelist-step[data-action='list']").count() == 0
    assert page.locator("#whitelist-history tbody tr").count() == 3

    # 3. The map no longer shows the gap; the link is covered.
    page.goto("/chains/rare-earth/")
    assert page.locator(f"#gaps .gap[data-link='{LINK}']").count() == 0
    assert page.get_attribute(f".link-card[data-link='{LINK}']", "data-covered") == "1"
    platform.refresh_from_db()
    assert platform.whitelisted
