"""The deal pipeline: opening from a match, the stage table, contacts, and registration moving the deal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals import services
from mengkeju.deals.models import DEAL_TRANSITIONS, Deal, DealEvent, Trigger
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory, division
from mengkeju.notifications.models import Notification

from .factories import DealFactory, make_contract, node, seller_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Stage = Deal.Stage

# Every (from, to) pair and whether a broker may make it by hand.
MANUAL = {
    (Stage.INTENT, Stage.NEGOTIATION),
    (Stage.NEGOTIATION, Stage.SIGNED),
    (Stage.SIGNED, Stage.PERFORMING),
    (Stage.REGISTERED, Stage.PERFORMING),
    (Stage.PERFORMING, Stage.COMPLETED),
    (Stage.INTENT, Stage.TERMINATED),
    (Stage.NEGOTIATION, Stage.TERMINATED),
    (Stage.SIGNED, Stage.TERMINATED),
    (Stage.REGISTERED, Stage.TERMINATED),
    (Stage.PERFORMING, Stage.TERMINATED),
}
BY_REGISTRATION = {
    (Stage.INTENT, Stage.SIGNED),  # its contract applied for registration
    (Stage.INTENT, Stage.REGISTERED),
    (Stage.NEGOTIATION, Stage.REGISTERED),
    (Stage.SIGNED, Stage.REGISTERED),
    (Stage.REGISTERED, Stage.SIGNED),
}


def test_the_transition_table_is_exactly_the_documented_one():
    assert {k for k, v in DEAL_TRANSITIONS.items() if v == Trigger.BROKER} == MANUAL
    assert {k for k, v in DEAL_TRANSITIONS.items() if v == Trigger.REGISTRATION} == BY_REGISTRATION


@pytest.mark.parametrize("source", list(Stage))
@pytest.mark.parametrize("target", list(Stage))
def test_manual_stage_changes_follow_the_table(source, target, broker):
    deal = DealFactory(stage=source, broker=broker)
    if (source, target) in MANUAL:
        services.transition_deal(deal, target, by=broker, note="客户已确认")
        deal.refresh_from_db()
        assert deal.stage == target
        event = deal.events.get()
        assert (event.from_stage, event.to_stage, event.actor, event.kind) == (
            source,
            target,
            broker,
            "stage",
        )
    else:
        with pytest.raises(ValidationError):
            services.transition_deal(deal, target, by=broker, note="客户已确认")
        deal.refresh_from_db()
        assert deal.stage == source
        assert not deal.events.exists()


def test_termination_needs_a_reason(broker):
    deal = DealFactory(broker=broker)
    with pytest.raises(ValidationError) as error:
        services.transition_deal(deal, Stage.TERMINATED, by=broker, note="  ")
    assert "reason" in error.value.message_dict
    services.transition_deal(deal, Stage.TERMINATED, by=broker, note="企业预算取消")
    deal.refresh_from_db()
    assert deal.termination_reason == "企业预算取消"


def test_only_the_sub_center_moves_a_deal(broker):
    deal = DealFactory()
    outsider = UserFactory(role=User.Role.BROKER, organization=node("chifeng"))
    with pytest.raises(PermissionDenied):
        services.transition_deal(deal, Stage.NEGOTIATION, by=outsider)
    services.transition_deal(deal, Stage.NEGOTIATION, by=broker)  # broker of the deal's node


def test_opening_a_deal_routes_it_to_the_demands_sub_center_and_credits_the_broker(broker):
    demand = DemandFactory()  # Baotou, rare-earth chain
    achievement = AchievementFactory(owner__division=division("150100"))
    staff = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("baotou"))
    deal = services.open_deal_from_match(demand=demand, achievement=achievement, by=broker)
    assert deal.stage == Stage.INTENT
    assert deal.sub_center == node("baotou")
    assert deal.broker == broker
    assert (deal.buyer, deal.seller) == (demand.owner, achievement.owner)
    assert deal.events.get().kind == DealEvent.Kind.OPENED
    assert Notification.objects.filter(user=staff, url=f"/deals/{deal.pk}/").exists()
    # Opening the same match again gives the deal already open.
    assert services.open_deal_from_match(demand=demand, achievement=achievement, by=broker) == deal


def test_staff_opening_a_deal_is_not_its_broker():
    staff = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("chifeng"))
    deal = services.open_deal_from_match(achievement=AchievementFactory(), by=staff)
    assert deal.broker is None
    assert deal.sub_center == node("baotou")  # routed by the achievement's division, not the opener's


def test_members_cannot_open_deals():
    member = UserFactory(role=User.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.open_deal_from_match(demand=DemandFactory(), by=member)
    assert not Deal.objects.exists()


def test_a_deal_needs_a_published_record(broker):
    with pytest.raises(ValidationError):
        services.open_deal_from_match(by=broker)
    with pytest.raises(ValidationError):
        services.open_deal_from_match(demand=DemandFactory(status="draft"), by=broker)
    assert not Deal.objects.exists()


def test_recording_a_contact_resets_the_follow_up_clock(broker):
    deal = DealFactory(broker=broker)
    event = services.record_contact(deal, "电话沟通技术指标", by=broker)
    deal.refresh_from_db()
    assert deal.last_contacted_at == event.at or abs((deal.last_contacted_at - event.at).total_seconds()) < 1
    assert event.kind == DealEvent.Kind.CONTACT and event.note == "电话沟通技术指标"
    with pytest.raises(ValidationError):
        services.record_contact(deal, "", by=broker)


def test_registering_the_contract_moves_its_deal_and_cancelling_moves_it_back(broker, registrar):
    deal = DealFactory(stage=Stage.NEGOTIATION, broker=broker)
    contract = make_contract(deal=deal)
    registration = services.register(
        services.submit_contract(contract, by=seller_member(contract)), by=registrar
    )
    deal.refresh_from_db()
    assert deal.stage == Stage.REGISTERED
    last = deal.events.last()
    # Applying moved it to signed (a signed contract), registering from there to registered.
    assert (last.from_stage, last.to_stage, last.actor) == (Stage.SIGNED, Stage.REGISTERED, registrar)
    services.cancel_registration(registration, "合同解除", tax_benefit_claimed=False, by=registrar)
    deal.refresh_from_db()
    assert deal.stage == Stage.SIGNED


def test_a_registered_stage_cannot_be_set_by_hand(broker):
    deal = DealFactory(stage=Stage.SIGNED, broker=broker)
    with pytest.raises(ValidationError):
        services.transition_deal(deal, Stage.REGISTERED, by=broker)


def test_events_are_append_only_history(broker):
    deal = DealFactory(broker=broker)
    services.transition_deal(deal, Stage.NEGOTIATION, by=broker)
    services.record_contact(deal, "上门拜访", by=broker)
    services.transition_deal(deal, Stage.SIGNED, by=broker)
    assert [(e.kind, e.to_stage) for e in deal.events.all()] == [
        ("stage", "negotiation"),
        ("contact", ""),
        ("stage", "signed"),
    ]


@pytest.mark.parametrize("stage", [Stage.INTENT, Stage.NEGOTIATION])
def test_applying_for_registration_moves_the_deal_to_signed(stage):
    """A contract applied for registration is signed: its deal no longer says negotiation beside it."""
    from .factories import DealFactory, make_contract, submitted_contract

    deal = DealFactory(stage=stage)
    submitted_contract(make_contract(deal=deal))
    deal.refresh_from_db()
    assert deal.stage == Stage.SIGNED
    event = deal.events.filter(kind=DealEvent.Kind.STAGE).last()
    assert (event.from_stage, event.to_stage) == (
        stage,
        Stage.SIGNED,
    ) and "applied for registration" in event.note


def test_applying_for_registration_leaves_a_later_deal_where_it_is():
    from .factories import DealFactory, make_contract, submitted_contract

    deal = DealFactory(stage=Stage.PERFORMING)
    submitted_contract(make_contract(deal=deal))
    deal.refresh_from_db()
    assert deal.stage == Stage.PERFORMING
