"""The government analyst reads the registered contracts (read-only), and every statistics figure links
to the contract list filtered to exactly the contracts it counts (on the demo's 2,000 contracts)."""

import re

import pytest
from django.test import Client

from mengkeju.deals import selectors
from mengkeju.deals.models import TechnicalContract
from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<a href="/deals/contracts/\?([^"]+)" data-drill>(?:<span[^>]*>)?(\d+)<')


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def listed_count(client: Client, query: str) -> int:
    html = client.get(f"/deals/contracts/?{query.replace('&amp;', '&')}").content.decode()
    return int(re.search(r'id="contract-count" data-count="(\d+)"', html)[1])


@pytest.fixture
def demo():
    load_demo()


def test_analyst_reads_registered_contracts_and_drafts_none(demo):
    analyst = User.objects.get(username="analyst")
    registered = selectors.registered_contracts()
    assert registered.count() >= 2000
    assert set(selectors.visible_contracts(analyst).values_list("pk", flat=True)) == set(
        registered.values_list("pk", flat=True)
    )
    client = client_of("analyst")
    html = client.get("/deals/contracts/").content.decode()
    assert "暂无合同" not in html and "No contracts." not in html
    assert 'id="new-contract"' not in html
    assert f'data-count="{registered.count()}"' in html
    assert client.get("/deals/contracts/new/").status_code == 403
    one = registered.first()
    detail = client.get(f"/deals/contracts/{one.pk}/")
    assert detail.status_code == 200
    assert f"/deals/contracts/{one.pk}/edit/" not in detail.content.decode()
    unregistered = TechnicalContract.objects.exclude(pk__in=registered.values("pk")).first()
    assert unregistered is not None
    assert client.get(f"/deals/contracts/{unregistered.pk}/").status_code == 404
    # Those who draft contracts keep the button.
    assert 'id="new-contract"' in client_of("hq").get("/deals/contracts/").content.decode()


@pytest.mark.parametrize("username", ["analyst", "hq"])
def test_every_statistics_figure_links_to_the_contracts_it_counts(demo, username):
    client = client_of(username)
    html = client.get("/statistics/").content.decode()
    figures = ROW.findall(html)
    assert len(figures) >= 40  # every row and total of every table, and the headline
    for query, count in figures:
        assert listed_count(client, query) == int(count), query
    # Another year and the signing-date basis link just as exactly.
    year = re.search(r'<option value="(\d{4})"', html)[1]
    html = client.get(f"/statistics/?year={year}&basis=signed_on").content.decode()
    for query, count in ROW.findall(html)[:25]:
        assert listed_count(client, query) == int(count), query


def test_unknown_statistics_filters_select_nothing(demo):
    client = client_of("hq")
    assert listed_count(client, "registered=1&quarter=2024Q9") == 0
    assert listed_count(client, "registered=1&year=abcd") == 0
    assert listed_count(client, "registered=1&chain=xyz") == 0
    assert listed_count(client, "registered=1") == selectors.registered_contracts().count()
