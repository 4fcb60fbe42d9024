"""Every page a person can reach by following links, as every demo role and in both languages, answers
without a server error; an error page (4xx/5xx) still wears the site's layout (its navigation); and no
page shows people an internal code (a state such as `draft` or `in_review`, a contract sub-kind such as
`patent_licence`, a cohort key such as `2025|*|*`) where a label belongs. The crawl starts from each
role's landing pages on the full demo data and visits each distinct URL shape (ids collapsed) once;
downloads, the admin and the API are left to their own tests."""

import re
from collections import deque
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/", "/api/", ".pdf", ".xlsx", ".csv")
START = [
    "/",
    "/workspace/",
    "/challenges/workspace/",
    "/points/",
    "/deals/board/",
    "/statistics/",
    "/licensing/",
]
ROLES = ["hq", "subcenter", "broker", "enterprise", "researcher", "expert", "analyst", "admin"]
LANGUAGES = ["zh-hans", "en"]
NAV = 'id="mainnav"'  # the base layout's navigation: an error page without it is a bare one

# Codes people must never read. Named ones first (the cases seen), then every stored state/kind value
# of the domain apps' choice fields. In English pages a one-word code can be the label itself ("draft"),
# so there only codes no label spells (with an underscore, the cohort key) count.
NAMED_CODES = {
    "draft",
    "in_review",
    "patent_licence",
    "technology_development",
    "published",
    "returned",
    "submitted",
    "withdrawn",
    "negotiation",
    "performing",
    "horse_race",
    "not_awarded",
}
DOMAIN_APPS = {"catalog", "deals", "challenges", "licensing", "points", "inquiries", "network", "progress"}
CHOICE_FIELDS = {"status", "stage", "kind", "sub_kind", "mode", "action", "flow", "verification", "tier"}


def _stored_codes() -> set[str]:
    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in DOMAIN_APPS:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.choices and field.name in CHOICE_FIELDS:
                codes.update(v for v, _label in field.flatchoices if isinstance(v, str) and len(v) > 3)
    return {c for c in codes if re.fullmatch(r"[a-z][a-z_]+", c)}


def _code_pattern(codes: set[str]) -> re.Pattern:
    words = "|".join(sorted((re.escape(c) for c in codes), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_\-./])(?:{words})(?![A-Za-z0-9_\-./])|\|\*\|")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles, tags or attribute values."""
    html = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def crawl(client: Client, codes: re.Pattern, limit: int = 400, pages: list | None = None):
    """Follow links from START, each URL shape once. Returns (visited, server errors, bare error pages,
    codes shown); `pages`, when given, receives every URL that answered a 200 HTML page."""
    seen: set[str] = set()
    queue = deque(START)
    visited, errors, bare, shown = 0, [], [], []
    while queue and visited < limit:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if shape in seen or any(part in url for part in SKIP):
            continue
        seen.add(shape)
        visited += 1
        response = client.get(url, follow=True)  # a landing page may redirect (/points/ → mine)
        html_page = response["Content-Type"].startswith("text/html")
        body = response.content.decode() if html_page else ""
        if response.status_code >= 500:
            errors.append((url, response.status_code))
        if response.status_code >= 400 and NAV not in body:
            bare.append((url, response.status_code))
        if html_page:
            found = sorted(set(codes.findall(visible_text(body))))
            if found:
                shown.append((url, found))
        if response.status_code == 200 and html_page:
            if pages is not None:
                pages.append(
                    response.request["PATH_INFO"]
                    + (f"?{q}" if (q := response.request["QUERY_STRING"]) else "")
                )
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(body))
    return visited, errors, bare, shown


@pytest.fixture
def demo():
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


def test_the_code_check_sees_codes_in_text_only():
    codes = _code_pattern({"draft", "in_review"})
    page = (
        '<p class="draft">状态：draft</p><a href="/x/?status=in_review">待审核</a><script>in_review</script>'
    )
    assert codes.findall(visible_text(page)) == ["draft"]
    assert codes.findall(visible_text("<p>比较组 2025|*|*</p>")) == ["|*|"]
    assert codes.findall(visible_text("<p>drafted · in_reviewer</p>")) == []


@pytest.mark.slow
def test_no_page_reachable_by_any_role_fails_is_bare_or_shows_a_code(demo):
    every_code = NAMED_CODES | _stored_codes()
    patterns = {
        "zh-hans": _code_pattern(every_code),
        "en": _code_pattern({c for c in every_code if "_" in c}),
    }
    report = {}
    for language in LANGUAGES:
        for username in [None, *ROLES]:
            client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
            if username:
                client.force_login(User.objects.get(username=username))
            report[(username or "anonymous", language)] = crawl(client, patterns[language])
    assert {who: errors for who, (_n, errors, _b, _s) in report.items() if errors} == {}
    assert {who: bare for who, (_n, _e, bare, _s) in report.items() if bare} == {}
    assert {who: shown for who, (_n, _e, _b, shown) in report.items() if shown} == {}
    assert all(visited >= 40 for visited, *_rest in report.values()), report  # the crawl really went round
