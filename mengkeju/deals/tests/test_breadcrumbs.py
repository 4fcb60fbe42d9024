"""Breadcrumbs link only pages the person may open: a party to a deal is not sent to the board."""

import pytest

from mengkeju.deals.tests.factories import DealFactory
from mengkeju.network.models import User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_buyer_on_a_deal_page_is_led_to_its_contracts_not_to_the_board(client):
    buyer = OrganizationFactory()
    deal = DealFactory(buyer=buyer)
    client.force_login(UserFactory(role=User.Role.MEMBER, organization=buyer))
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    crumb = page.split('id="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/deals/board/"' not in crumb and 'href="/deals/contracts/"' in crumb
    assert client.get("/deals/contracts/").status_code == 200


def test_a_broker_on_a_deal_page_is_led_to_the_board(client, broker):
    deal = DealFactory(broker=broker)
    client.force_login(broker)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    crumb = page.split('id="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/deals/board/"' in crumb
