"""Deals opened or moved, contracts submitted / registered / refused: exactly the right people are told,
once each, and nobody else (never the person who acted)."""

import pytest

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals import services
from mengkeju.deals.models import ContractParty, Deal
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications.models import Notification

from .factories import DealFactory, make_contract, node, seller_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Stage = Deal.Stage


def told(kind) -> dict[int, int]:
    counts: dict[int, int] = {}
    for user_id in Notification.objects.filter(kind=kind).values_list("user_id", flat=True):
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


def test_opening_and_moving_a_deal_tells_both_parties_and_the_broker(broker, staff):
    demand, achievement = DemandFactory(), AchievementFactory()
    buyer = UserFactory(organization=demand.owner)
    seller, seller_2 = (
        UserFactory(organization=achievement.owner),
        UserFactory(organization=achievement.owner),
    )
    outsider = UserFactory(organization=DemandFactory().owner)
    UserFactory(organization=demand.owner, is_active=False)
    deal = services.open_deal_from_match(demand=demand, achievement=achievement, by=broker)
    parties = {buyer.pk: 1, seller.pk: 1, seller_2.pk: 1}
    assert told(Notification.Kind.DEAL) == {**parties, staff.pk: 1}  # the broker opened it: not told
    Notification.objects.all().delete()
    services.transition_deal(deal, Stage.NEGOTIATION, by=staff, note="双方已约谈")
    assert told(Notification.Kind.DEAL) == {**parties, broker.pk: 1}  # the staff member moved it
    note = Notification.objects.filter(user=buyer).get()
    assert "洽谈" in note.message and "双方已约谈" in note.message and note.url == f"/deals/{deal.pk}/"
    assert outsider.pk not in told(Notification.Kind.DEAL)


def test_a_deal_without_a_seller_tells_the_buyer_only(broker):
    deal = DealFactory(broker=broker, buyer=DemandFactory().owner)
    buyer = UserFactory(organization=deal.buyer)
    services.transition_deal(deal, Stage.NEGOTIATION, by=broker)
    assert told(Notification.Kind.DEAL) == {buyer.pk: 1}


def test_contract_submission_registration_and_refusal_tell_the_parties(registrar, broker):
    deal = DealFactory(broker=broker, stage=Stage.SIGNED)
    contract = make_contract(deal=deal)
    applicant = seller_member(contract)
    seller_colleague = UserFactory(organization=applicant.organization)
    buyer_org = contract.parties.get(role=ContractParty.Role.BUYER).organization
    buyer = UserFactory(organization=buyer_org)
    UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("baotou"))
    registration = services.submit_contract(contract, by=applicant)
    assert told(Notification.Kind.CONTRACT) == {seller_colleague.pk: 1, buyer.pk: 1}
    Notification.objects.all().delete()
    registration = services.register(registration, by=registrar)
    assert registration.status == "registered"
    assert told(Notification.Kind.CONTRACT) == {applicant.pk: 1, seller_colleague.pk: 1, buyer.pk: 1}
    assert registration.number in Notification.objects.filter(user=buyer, kind="contract").get().message
    assert told(Notification.Kind.DEAL) == {broker.pk: 1}  # the deal moved to registered (no party orgs)

    other = make_contract()
    other_applicant = seller_member(other)
    pending = services.submit_contract(other, by=other_applicant)
    Notification.objects.all().delete()
    services.refuse_registration(pending, "合同金额与发票不符", by=registrar)
    other_buyer_members = User.objects.filter(
        organization=other.parties.get(role=ContractParty.Role.BUYER).organization
    )
    assert told(Notification.Kind.CONTRACT) == {
        other_applicant.pk: 1,
        **{u.pk: 1 for u in other_buyer_members},
    }
    assert "合同金额与发票不符" in Notification.objects.get(user=other_applicant).message
