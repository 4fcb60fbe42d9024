"""Issue 13, finding 9: one party may not change the contract's parties behind the other's back."""

import pytest
from rest_framework.test import APIClient

from mengkeju.deals.models import ContractParty
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

from .factories import PartyOrganizationFactory, make_contract

pytestmark = pytest.mark.django_db


def _parties(contract):
    return sorted((p.role, p.organization_id, p.name) for p in contract.parties.all())


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_buyer_cannot_remove_the_seller_and_add_a_stranger():
    contract = make_contract()
    before = _parties(contract)
    buyer = contract.parties.get(role=ContractParty.Role.BUYER).organization
    stranger = PartyOrganizationFactory()
    member = UserFactory(role=User.Role.MEMBER, organization=buyer)
    response = _api(member).patch(
        f"/api/deals/contracts/{contract.pk}/",
        {
            "parties": [
                {"role": "seller", "organization": buyer.code, "name": buyer.name},
                {"role": "buyer", "organization": stranger.code, "name": stranger.name},
            ]
        },
        format="json",
    )
    assert response.status_code == 403, response.content
    assert _parties(contract) == before  # nothing changed


def test_a_party_may_still_edit_the_terms_and_the_offline_parties():
    contract = make_contract()
    seller = contract.parties.get(role=ContractParty.Role.SELLER)
    buyer = contract.parties.get(role=ContractParty.Role.BUYER)
    member = UserFactory(role=User.Role.MEMBER, organization=seller.organization)
    same_organizations = [
        {"role": "seller", "organization": seller.organization.code, "name": seller.name},
        {"role": "buyer", "organization": buyer.organization.code, "name": buyer.name},
        {"role": "intermediary", "name": "包头某技术经纪事务所"},
    ]
    response = _api(member).patch(
        f"/api/deals/contracts/{contract.pk}/",
        {"title": "改过的合同名称", "parties": same_organizations},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert contract.parties.count() == 3


def test_the_contracts_sub_center_may_change_the_parties(orgs):
    contract = make_contract()
    buyer = contract.parties.get(role=ContractParty.Role.BUYER)
    other = PartyOrganizationFactory()
    staff = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=contract.sub_center)
    response = _api(staff).patch(
        f"/api/deals/contracts/{contract.pk}/",
        {
            "parties": [
                {"role": "seller", "organization": other.code, "name": other.name},
                {"role": "buyer", "organization": buyer.organization.code, "name": buyer.name},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert contract.parties.get(role=ContractParty.Role.SELLER).organization == other
