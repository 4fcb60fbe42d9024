"""Over the full demo, an anonymous visitor finds no listing's contact phone or e-mail anywhere: every
page reachable by links, every public export linked from them (xlsx/csv read inside) and every
anonymous API list and detail named by the OpenAPI schema."""

import io
import re
import zipfile
from collections import deque

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.portal.tests.test_every_page_answers import demo  # noqa: F401 (the full demo fixture)

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/admin/", "/static/", "/media/", "/i18n/", "/api/")
EXPORTS = (".xlsx", ".csv", "export")
START = ["/", "/achievements/", "/demands/", "/challenges/", "/statistics/", "/chains/", "/guidance/"]


def secrets() -> set[str]:
    found = set()
    for model in (Achievement, Demand):
        for phone, email in model.objects.values_list("contact_phone", "contact_email"):
            found |= {value for value in (phone, email) if value}
    return found


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # xlsx (a zip of XML parts)
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def crawl_pages(client, limit: int = 600) -> dict[str, str]:
    seen, texts, queue = set(), {}, deque(START)
    while queue and len(texts) < limit:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if shape in seen or any(part in url for part in SKIP):
            continue
        seen.add(shape)
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue
        texts[url] = text_of(response)
        if response["Content-Type"].startswith("text/html"):
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(texts[url]))
    return texts


def crawl_api(client) -> dict[str, str]:
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json").json()
    texts = {}
    get_paths = [path for path, ops in schema["paths"].items() if "get" in ops]
    for path in (p for p in get_paths if "{" not in p):
        response = client.get(path, HTTP_ACCEPT="application/json")
        if response.status_code != 200:
            continue
        texts[path] = text_of(response)
        data = response.json() if response["Content-Type"].startswith("application/json") else None
        rows = data.get("results", []) if isinstance(data, dict) else data if isinstance(data, list) else []
        for detail in (p for p in get_paths if p.startswith(path) and p.count("{") == 1):
            param = re.search(r"\{(\w+)\}", detail).group(1)
            if detail.index("{") != len(path):
                continue
            for row in rows[:5] if isinstance(rows, list) else []:
                if not isinstance(row, dict):
                    continue
                key = row.get("id") if param in ("id", "pk") else row.get(param, row.get("code"))
                if key is None:
                    continue
                url = detail.replace("{" + param + "}", str(key))
                answer = client.get(url, HTTP_ACCEPT="application/json")
                if answer.status_code == 200:
                    texts[url] = text_of(answer)
    return texts


@pytest.mark.slow
def test_no_listing_contact_reaches_an_anonymous_visitor(demo):  # noqa: F811
    hidden = secrets()
    assert len(hidden) >= 10, "the demo has listing contacts to hide"
    cache.clear()  # the API throttles count per client address
    client = APIClient()
    pages, api = crawl_pages(client), crawl_api(client)
    assert len(pages) >= 40 and any(url.endswith(EXPORTS) or "export" in url for url in pages), sorted(pages)
    assert "/api/demands/" in api and "/api/achievements/" in api
    assert any(re.fullmatch(r"/api/demands/\d+/", url) for url in api), sorted(api)
    leaks = {url: sorted(s for s in hidden if s in text) for url, text in {**pages, **api}.items()}
    assert {url: found for url, found in leaks.items() if found} == {}
