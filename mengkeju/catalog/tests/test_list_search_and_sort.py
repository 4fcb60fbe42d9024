"""The catalog lists: keywords that match nothing say so (0 records, ways out), a `sort` parameter
orders the list (newest, price/budget, maturity), an unknown sort is a form error, and the status
filter offers only states the viewer may see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory

pytestmark = pytest.mark.django_db


def _titles(page: str, titles) -> list[str]:
    return sorted((t for t in titles if t in page), key=page.index)


@pytest.fixture
def three():
    now = timezone.now()
    return [
        AchievementFactory(
            title="甲成果", trl=3, price_yuan=Decimal("900000"), published_at=now - timedelta(days=3)
        ),
        AchievementFactory(title="乙成果", trl=8, price_yuan=None, published_at=now - timedelta(days=1)),
        AchievementFactory(
            title="丙成果", trl=5, price_yuan=Decimal("20000"), published_at=now - timedelta(days=2)
        ),
    ]


def test_keywords_matching_nothing_show_zero_and_a_way_out(client, three):
    page = client.get("/achievements/?q=xyzzy12345", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "共 0 项科技成果" in page
    assert not _titles(page, ["甲成果", "乙成果", "丙成果"])
    assert 'id="no-match"' in page and "xyzzy12345" in page and 'id="clear-filters"' in page
    with_filter = client.get("/achievements/?q=xyzzy12345&trl_min=3").content.decode()
    assert 'id="keep-keywords"' in with_filter


def test_keywords_that_match_still_rank(client, three):
    page = client.get("/achievements/?q=矫顽力&sort=relevance").content.decode()
    assert "共 0 项" not in page and 'id="no-match"' not in page


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["乙成果", "丙成果", "甲成果"]),  # no keywords: newest first
        ("newest", ["乙成果", "丙成果", "甲成果"]),
        ("price_low", ["丙成果", "甲成果", "乙成果"]),  # 面议 last
        ("price_high", ["甲成果", "丙成果", "乙成果"]),
        ("trl_high", ["乙成果", "丙成果", "甲成果"]),
    ],
)
def test_achievements_sort(client, three, sort, order):
    page = client.get(f"/achievements/?sort={sort}").content.decode()
    assert _titles(page, order) == order


def test_a_keyword_search_sorted_by_price_keeps_only_matches_in_price_order(client, three):
    page = client.get("/achievements/?q=矫顽力&sort=price_high").content.decode()
    assert _titles(page, ["甲成果", "丙成果", "乙成果"]) == ["甲成果", "丙成果", "乙成果"]


def test_demands_sort_by_budget(client):
    DemandFactory(title="小预算需求", budget_yuan=Decimal("10000"))
    DemandFactory(title="大预算需求", budget_yuan=Decimal("3000000"))
    page = client.get("/demands/?sort=price_high").content.decode()
    assert _titles(page, ["小预算需求", "大预算需求"]) == ["大预算需求", "小预算需求"]


def test_an_unknown_sort_is_a_form_error_not_a_server_error(client, three):
    response = client.get("/achievements/?sort=bogus", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page and not _titles(page, ["甲成果"])
    assert client.get("/demands/?sort=trl_high").status_code == 200  # achievements only: an error too


def test_the_status_filter_offers_visitors_nothing_to_choose(client, three):
    AchievementFactory(title="草稿成果", status=Status.DRAFT)
    page = client.get("/achievements/").content.decode()
    assert 'name="status"' not in page
    assert 'value="draft"' not in page and 'value="submitted"' not in page


def test_the_status_filter_offers_an_owner_the_states_of_its_records(client, three):
    from mengkeju.network.models import User
    from mengkeju.network.tests.factories import UserFactory

    draft = AchievementFactory(title="草稿成果", status=Status.DRAFT)
    client.force_login(UserFactory(role=User.Role.MEMBER, organization=draft.owner))
    page = client.get("/achievements/").content.decode()
    assert 'name="status"' in page and 'value="draft"' in page and 'value="returned"' not in page


def test_the_guidance_catalog_is_linked_from_the_achievements(client):
    page = client.get("/achievements/").content.decode()
    assert 'id="guidance-link"' in page and 'href="/guidance/"' in page
    assert client.get("/guidance/").status_code == 200
