"""Issue 18, item 4: a broker's public profile — level, filing number, and their record (deals credited
to them and the registered turnover of those deals' contracts), never a personal phone number."""

from decimal import Decimal

import pytest
from django.utils import translation

from mengkeju.deals import selectors as deals
from mengkeju.deals.models import Deal
from mengkeju.deals.tests.factories import DealFactory, registered_contract
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    return UserFactory(
        role=User.Role.BROKER,
        organization=Organization.objects.get(code="baotou"),
        display_name="王经纪",
        phone="13900001111",
        broker_level="senior",
        broker_filing_number="NMG-JS-2026-0088",
    )


@pytest.fixture
def record(broker):
    """Three deals credited to the broker: two reach registered contracts (1,000,000 and 250,000 yuan),
    one is still at intent; another broker's registered deal does not count."""
    for amount in (Decimal("1000000.00"), Decimal("250000.00")):
        registered_contract(deal=DealFactory(broker=broker, stage=Deal.Stage.SIGNED), amount_yuan=amount)
    DealFactory(broker=broker)
    other = UserFactory(role=User.Role.BROKER, organization=broker.organization)
    registered_contract(deal=DealFactory(broker=other, stage=Deal.Stage.SIGNED))
    return broker


def test_the_record_counts_the_brokers_deals_and_registered_turnover(record):
    figures = deals.broker_record(record)
    assert (figures.deals, figures.deals_signed, figures.deals_open) == (3, 2, 3)
    assert figures.registered_contracts == 2
    assert figures.registered_turnover_yuan == Decimal("1250000.00")


def test_a_broker_without_deals_has_an_empty_record(broker):
    figures = deals.broker_record(broker)
    assert (figures.deals, figures.registered_contracts, figures.registered_turnover_yuan) == (0, 0, 0)


def test_the_public_profile_shows_level_filing_number_and_record_but_no_phone(client, record):
    with translation.override("zh-hans"):
        page = client.get(f"/network/brokers/{record.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "王经纪" in html and "高级技术经理人" in html and "NMG-JS-2026-0088" in html
    assert 'data-figure="deals">3<' in html
    assert 'data-figure="registered-contracts">2<' in html
    assert "13900001111" not in html
    assert 'id="broker-level-form"' not in html  # an anonymous visitor records nothing


def test_only_active_brokers_have_a_profile(client, broker):
    member = UserFactory(role=User.Role.MEMBER)
    assert client.get(f"/network/brokers/{member.pk}/").status_code == 404
    User.objects.filter(pk=broker.pk).update(is_active=False)
    assert client.get(f"/network/brokers/{broker.pk}/").status_code == 404


def test_headquarters_records_the_level_on_the_profile_and_a_member_may_not(client, broker):
    url = f"/network/brokers/{broker.pk}/level/"
    client.force_login(UserFactory(role=User.Role.MEMBER))
    client.post(url, {"level": "junior", "filing_number": ""})
    assert User.objects.get(pk=broker.pk).broker_level == "senior"

    client.force_login(
        UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq"))
    )
    assert 'id="broker-level-form"' in client.get(f"/network/brokers/{broker.pk}/").content.decode()
    response = client.post(url, {"level": "intermediate", "filing_number": ""}, follow=True)
    assert "“中级技术经纪人”须填写备案编号。" in response.content.decode()
    assert User.objects.get(pk=broker.pk).broker_level == "senior"
    client.post(url, {"level": "junior", "filing_number": ""})
    assert User.objects.get(pk=broker.pk).broker_level == "junior"
