"""Headquarters fills the directories through the web forms: an expert and a platform, each then found by
keyword and by a filter on its list page and opened on its detail page; the list fits a phone (390 px)
with its filters folded behind a button."""

import pytest

from mengkeju.catalog.models import Expert, Platform
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _find(page, path, params, name):
    page.goto(f"{path}?{params}")
    assert page.locator("#results").get_by_text(name).count() >= 1, (path, params)


def test_hq_creates_an_expert_and_a_platform_that_are_found_and_open(base_data, page_factory):
    hq = User(
        username="zongbu",
        role=User.Role.HQ_OPERATOR,
        organization=Organization.objects.get(kind="headquarters"),
    )
    hq.set_password(PASSWORD)
    hq.save()
    university = OrganizationFactory(
        code="imu-test", name="内蒙古测试大学", kind=Organization.Kind.UNIVERSITY
    )

    page = page_factory()
    _login(page, "zongbu")

    page.goto("/experts/")
    page.click("#directory-create")
    page.fill("#id_name", "周永磁")
    page.select_option("#id_tier", "leading")
    page.fill("#id_title", "教授")
    page.select_option("#id_organization", university.code)
    page.select_option("#id_division", "150200")
    page.fill("#id_field", "稀土永磁材料")
    page.locator("#id_chain_links input[type=checkbox]").first.check()
    page.fill("#id_bio", "长期研究晶界扩散钕铁硼磁体。")
    page.click("#directory-save")
    page.wait_for_url("**/experts/*/")
    expert = Expert.objects.get(name="周永磁")
    assert expert.chain_links.count() == 1

    page.goto("/platforms/new/")
    page.fill("#id_name", "稀土磁材中试验证平台")
    page.select_option("#id_kind", "pilot_platform")
    page.select_option("#id_level", "regional")
    page.select_option("#id_organization", university.code)
    page.select_option("#id_division", "150200")
    page.fill("#id_description", "面向烧结钕铁硼的中试验证。")
    page.click("#directory-save")
    page.wait_for_url("**/platforms/*/")
    platform = Platform.objects.get(name="稀土磁材中试验证平台")

    _find(page, "/experts/", "q=周永磁", "周永磁")
    _find(page, "/experts/", "tier=leading", "周永磁")
    _find(page, "/platforms/", "q=中试验证", "稀土磁材中试验证平台")
    _find(page, "/platforms/", "kind=pilot_platform", "稀土磁材中试验证平台")
    page.goto("/experts/?q=周永磁")
    page.locator("#results a", has_text="周永磁").first.click()
    page.wait_for_url(f"**/experts/{expert.pk}/")
    assert "长期研究晶界扩散钕铁硼磁体" in page.content()
    page.goto("/platforms/?kind=pilot_platform")
    page.locator("#results a", has_text="稀土磁材中试验证平台").first.click()
    page.wait_for_url(f"**/platforms/{platform.pk}/")
    assert page.locator("h1").first.inner_text().startswith("稀土磁材中试验证平台")

    # On a phone the filters fold behind a button and nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/experts/")
    assert not page.locator("#directory-filter-form").is_visible()
    page.click("#directory-filters-toggle")
    page.locator("#directory-filter-form").wait_for(state="visible")
    for url in ("/experts/", "/platforms/", f"/experts/{expert.pk}/", "/experts/new/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways: {width} px wide"
