"""Every page a person can reach by following links, as every demo role, answers without a server
error. The crawl starts from each role's landing pages on the full demo data and visits each distinct
URL shape (ids collapsed) once; downloads, the admin and the API are left to their own tests."""

import re
from collections import deque
from pathlib import Path

import pytest
from django.conf import settings
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


def crawl(client: Client, limit: int = 400) -> tuple[int, list[tuple[str, int]]]:
    seen: set[str] = set()
    queue = deque(START)
    visited, errors = 0, []
    while queue and visited < limit:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if shape in seen or any(part in url for part in SKIP):
            continue
        seen.add(shape)
        visited += 1
        response = client.get(url, follow=True)  # a landing page may redirect (/points/ → mine)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(response.content.decode()))
    return visited, errors


@pytest.fixture
def demo():
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


@pytest.mark.slow
def test_no_page_reachable_by_any_role_fails(demo):
    report = {}
    for username in [None, *ROLES]:
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        report[username or "anonymous"] = crawl(client)
    assert {role: errors for role, (_n, errors) in report.items() if errors} == {}
    assert all(visited >= 40 for visited, _e in report.values()), report  # the crawl really went round
