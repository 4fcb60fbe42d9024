"""Amendments make new versions linked to the original; cancellation keeps history; numbers are never reused."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mengkeju.deals import services
from mengkeju.deals.models import Registration, TechnicalContract

from .factories import make_contract, registered_contract, seller_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Status = Registration.Status


def current_rows(contract_ids):
    return Registration.objects.filter(
        contract_id__in=contract_ids, status=Status.REGISTERED, is_current=True
    )


def test_amendment_keeps_the_base_number_with_a_version_suffix(registrar):
    original = registered_contract(registrar=registrar)
    applicant = seller_member(original.contract)
    amendment = services.amend(
        original, {"amount_yuan": Decimal("1200000.00")}, tax_benefit_claimed=False, by=applicant
    )
    assert (amendment.status, amendment.version, amendment.supersedes) == (Status.SUBMITTED, 2, original)
    assert amendment.contract.previous_version == original.contract
    assert amendment.events.get().action == "amend"
    # Until the amendment is registered, the original counts.
    original.refresh_from_db()
    assert original.status == Status.REGISTERED and original.is_current

    amendment = services.register(amendment, by=registrar)
    original.refresh_from_db()
    assert amendment.number == f"{original.number}-2"
    assert amendment.amount_yuan == Decimal("1200000.00") and amendment.is_current
    assert original.status == Status.AMENDED and not original.is_current
    assert original.amount_yuan == Decimal("1000000.00")  # the old snapshot is untouched
    assert original.contract.status == TechnicalContract.Status.AMENDED
    assert original.events.last().action == "supersede"
    assert current_rows([original.contract_id, amendment.contract_id]).get() == amendment


def test_a_refused_amendment_leaves_the_original_in_force(registrar):
    original = registered_contract(registrar=registrar)
    amendment = services.amend(
        original,
        {"amount_yuan": Decimal("0")},
        tax_benefit_claimed=False,
        by=seller_member(original.contract),
    )
    amendment = services.register(amendment, by=registrar)
    assert amendment.status == Status.REFUSED and amendment.refused_rule == "R3_AMOUNTS"
    original.refresh_from_db()
    assert original.status == Status.REGISTERED and original.is_current
    # The refused amendment is corrected and applied for again, superseding the same original.
    services.update_contract(
        amendment.contract, by=seller_member(original.contract), amount_yuan=Decimal("900000")
    )
    again = services.register(
        services.submit_contract(amendment.contract, by=seller_member(original.contract)), by=registrar
    )
    assert again.status == Status.REGISTERED and again.supersedes == original
    assert again.number == f"{original.number}-2"


def test_only_one_amendment_at_a_time(registrar):
    original = registered_contract(registrar=registrar)
    member = seller_member(original.contract)
    services.amend(original, {"title": "修订后的合同"}, tax_benefit_claimed=False, by=member)
    with pytest.raises(ValidationError):
        services.amend(original, {"title": "再次修订"}, tax_benefit_claimed=False, by=member)


def test_amendments_cannot_change_the_registered_record_in_place(registrar):
    original = registered_contract(registrar=registrar)
    with pytest.raises(ValidationError):
        services.update_contract(original.contract, by=registrar, amount_yuan=Decimal("1"))
    original.contract.refresh_from_db()
    assert original.contract.amount_yuan == Decimal("1000000.00")


def test_cancelling_a_registration_keeps_its_history(registrar):
    registration = registered_contract(registrar=registrar)
    with pytest.raises(ValidationError):
        services.cancel_registration(registration, "", tax_benefit_claimed=False, by=registrar)
    services.cancel_registration(registration, "双方协议解除合同", tax_benefit_claimed=False, by=registrar)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED and not registration.is_current
    assert registration.number  # kept, never handed out again
    assert [e.action for e in registration.events.all()] == ["submit", "register", "cancel"]
    assert registration.contract.status == TechnicalContract.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.cancel_registration(registration, "再次撤销", tax_benefit_claimed=False, by=registrar)


def test_the_applicant_may_withdraw_a_pending_application_but_not_cancel_a_registration(registrar):
    contract = make_contract()
    member = seller_member(contract)
    pending = services.submit_contract(contract, by=member)
    services.cancel_registration(pending, "材料有误，撤回", tax_benefit_claimed=False, by=member)
    contract.refresh_from_db()
    assert contract.status == TechnicalContract.Status.DRAFT  # back to the applicant for correction
    registered = services.register(services.submit_contract(contract, by=member), by=registrar)
    with pytest.raises(PermissionDenied):
        services.cancel_registration(registered, "想撤销", tax_benefit_claimed=False, by=member)


def test_a_registrar_may_not_decide_their_own_application(registrar, staff):
    contract = make_contract()
    registration = services.submit_contract(contract, by=staff)
    with pytest.raises(PermissionDenied):
        services.register(registration, by=staff)
    registration.refresh_from_db()
    assert registration.status == Status.SUBMITTED


def test_a_decided_application_cannot_be_decided_again(registrar):
    registration = registered_contract(registrar=registrar)
    with pytest.raises(services.ConflictError):
        services.register(registration, by=registrar)
    with pytest.raises(services.ConflictError):
        services.refuse_registration(registration, "重复", by=registrar)


def test_a_registrar_refuses_by_hand_with_a_reason(registrar):
    contract = make_contract()
    registration = services.submit_contract(contract, by=seller_member(contract))
    with pytest.raises(ValidationError):
        services.refuse_registration(registration, " ", by=registrar)
    registration = services.refuse_registration(registration, "合同附件不全", by=registrar)
    assert registration.refused_rule == services.REVIEWER_RULE
    assert "合同附件不全" in registration.refused_message
    assert registration.events.last().note == "合同附件不全"
