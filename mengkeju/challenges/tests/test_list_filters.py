"""The public challenge list: the status filter offers only states the viewer may see, the list sorts
by newest / budget / closing, and an unknown order is a clear error rather than a server error."""

from decimal import Decimal

import pytest

from mengkeju.network.tests.factories import OrganizationFactory

from .factories import draft, member, published_challenge

pytestmark = pytest.mark.django_db


def _order(page: str, titles: list[str]) -> list[str]:
    return sorted((t for t in titles if t in page), key=page.index)


def test_a_visitor_is_offered_only_public_states(client):
    published_challenge(title="公开榜单")
    draft(member(OrganizationFactory()), title="草稿榜单")
    page = client.get("/challenges/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    options = page.split('name="status"', 1)[1].split("</select>", 1)[0]
    assert 'value="published"' in options
    assert 'value="draft"' not in options and 'value="in_review"' not in options and "草稿榜单" not in page


def test_the_publisher_is_offered_its_own_draft_state(client):
    publisher = member(OrganizationFactory())
    draft(publisher, title="草稿榜单")
    client.force_login(publisher)
    options = (
        client.get("/challenges/").content.decode().split('name="status"', 1)[1].split("</select>", 1)[0]
    )
    assert 'value="draft"' in options


def test_the_list_sorts_by_budget_and_refuses_an_unknown_order(client):
    published_challenge(title="小额榜单", budget_yuan=Decimal("500000"))
    published_challenge(title="大额榜单", budget_yuan=Decimal("9000000"))
    high = client.get("/challenges/?sort=price_high").content.decode()
    low = client.get("/challenges/?sort=price_low").content.decode()
    assert _order(high, ["小额榜单", "大额榜单"]) == ["大额榜单", "小额榜单"]
    assert _order(low, ["小额榜单", "大额榜单"]) == ["小额榜单", "大额榜单"]
    bad = client.get("/challenges/?sort=bogus")
    assert bad.status_code == 200 and 'id="sort-error"' in bad.content.decode()
