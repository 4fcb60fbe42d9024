"""Every page a person can reach by following links fits a phone: the every-page crawl
(mengkeju/portal/tests/test_every_page_answers.py) collects, as each demo role and anonymously, each
distinct page shape that answers; Chromium then opens each shape at 390 px, in Chinese and in English,
and measures it. A page
wider than the window scrolls sideways, which on a phone hides what is cut off."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from mengkeju.demo.loader import DEMO_PASSWORD, load_demo
from mengkeju.network.models import User
from mengkeju.portal.tests.test_every_page_answers import ROLES, _code_pattern, crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
LANGUAGES = ["zh-CN", "en-US"]


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


@pytest.fixture
def demo(base_data):
    """The full demo with the innovation-points systems, on the browser tests' region (base_data)."""
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


def test_no_page_any_role_reaches_is_wider_than_a_phone(demo, page_factory):
    nothing = _code_pattern({"no-such-code"})
    checked: set[str] = set()
    too_wide, opened = [], 0
    for username in [None, *ROLES]:
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        browsers = {}  # one phone per language: Chinese first, English second
        for language in LANGUAGES:
            page = browsers[language] = page_factory(language=language)
            page.set_viewport_size(PHONE)
            if username:
                _login(page, username)
        pages: list[str] = []
        crawl(client, nothing, pages=pages)
        for url in pages:
            shape = re.sub(r"\d+", "N", url.split("?")[0])
            if shape in checked:
                continue
            checked.add(shape)
            for language, page in browsers.items():
                response = page.goto(url)
                opened += 1
                if response is None or response.status != 200:
                    continue  # a page that moved on (a one-time link); the crawl checks answers
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    too_wide.append((username or "anonymous", language, url, width))
    print(
        f"\n{opened} pages opened at 390 px ({len(checked)} shapes × {len(LANGUAGES)} languages), {len(too_wide)} too wide"
    )
    assert len(checked) >= 60, len(checked)  # the crawl really went round
    assert too_wide == [], f"pages wider than a 390 px phone: {too_wide}"
