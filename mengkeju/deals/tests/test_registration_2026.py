"""The 2026 registration rules (技术合同认定登记管理办法 and its 规则; where only the MIIT draft of
2024-12-18 was found, docs/deals.md says so). Each rule: one case that passes, one refused with the
rule's message."""

from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mengkeju.core import clock
from mengkeju.deals import permissions, selectors, services
from mengkeju.deals.models import ContractKind, ContractParty, Registration, SubKind, TechnicalContract
from mengkeju.deals.working_days import working_days_left
from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

from .factories import (
    PartyOrganizationFactory,
    hq_operator,
    make_contract,
    registered_contract,
    seller_member,
    submitted_contract,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@contextmanager
def today_is(day: date):
    """Run as if it were 10:00 on `day` in the region (services read django.utils.timezone.now)."""
    moment = datetime.combine(day, time(10, 0), tzinfo=clock.region_timezone())
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def member_of(contract: TechnicalContract, role: str) -> User:
    org = contract.parties.get(role=role).organization
    return UserFactory(role=User.Role.MEMBER, organization=org)


# --- (a) who applies follows the kind (R7_APPLICANT) -------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sub_kind", "scope", "who"),
    [
        (ContractKind.DEVELOPMENT, SubKind.COMMISSIONED_DEVELOPMENT, "", "the developer"),
        (ContractKind.TRANSFER, SubKind.PATENT_RIGHT_TRANSFER, "", "the transferor"),
        (ContractKind.LICENCE, SubKind.PATENT_LICENCE, "ordinary", "the licensor"),
        (ContractKind.CONSULTING, SubKind.FEASIBILITY_STUDY, "", "the consultant"),
        (ContractKind.SERVICE, SubKind.TECHNICAL_SERVICE, "", "the service side"),
        (ContractKind.SERVICE, SubKind.TECHNICAL_TRAINING, "", "the trainer"),
    ],
)
def test_the_seller_side_applies_and_the_buyer_is_refused_with_the_rule(
    registrar, kind, sub_kind, scope, who
):
    contract = make_contract(kind=kind, sub_kind=sub_kind, licence_scope=scope)
    buyer = member_of(contract, ContractParty.Role.BUYER)
    with pytest.raises(ValidationError) as refused:
        services.submit_contract(contract, by=buyer)
    message = " ".join(refused.value.messages)
    assert "R7_APPLICANT" in message and f"{who} applies, not the buyer" in message
    assert not Registration.objects.filter(contract=contract).exists()
    assert not permissions.can_submit_contract(buyer, contract)

    registration = services.submit_contract(contract, by=seller_member(contract))
    assert registration.applicant_role == ContractParty.Role.SELLER
    assert services.register(registration, by=registrar).status == Registration.Status.REGISTERED


def test_for_a_technology_import_the_domestic_buyer_applies(registrar):
    foreign = PartyOrganizationFactory(credit_code="")
    contract = make_contract(seller=foreign, seller_division="110000", is_import=True)
    contract.parties.filter(role=ContractParty.Role.SELLER).update(credit_code="")  # abroad: no Chinese code
    with pytest.raises(ValidationError, match="the domestic buyer"):
        services.submit_contract(contract, by=member_of(contract, ContractParty.Role.SELLER))
    buyer = member_of(contract, ContractParty.Role.BUYER)
    assert permissions.can_submit_contract(buyer, contract)
    registration = services.submit_contract(contract, by=buyer)
    assert registration.applicant_role == ContractParty.Role.BUYER
    registration = services.register(registration, by=registrar)
    assert registration.status == Registration.Status.REGISTERED, registration.refused_message


def test_the_intermediary_applies_for_an_intermediary_contract(registrar):
    broker_firm = PartyOrganizationFactory()
    contract = make_contract(
        kind=ContractKind.SERVICE,
        sub_kind=SubKind.TECHNICAL_INTERMEDIARY,
        extra_parties=[
            {
                "role": ContractParty.Role.INTERMEDIARY,
                "organization": broker_firm,
                "name": broker_firm.name,
                "credit_code": broker_firm.credit_code,
            }
        ],
    )
    member = UserFactory(role=User.Role.MEMBER, organization=broker_firm)
    registration = services.submit_contract(contract, by=member)
    assert registration.applicant_role == ContractParty.Role.INTERMEDIARY
    assert services.register(registration, by=registrar).status == Registration.Status.REGISTERED
    # An intermediary in a development contract is not the one who applies.
    other = make_contract(
        extra_parties=[{"role": ContractParty.Role.INTERMEDIARY, "organization": broker_firm, "name": "x"}]
    )
    with pytest.raises(ValidationError, match="R7_APPLICANT"):
        services.submit_contract(other, by=member)


def test_a_registration_recorded_for_the_wrong_applicant_is_refused_by_the_rule(registrar):
    registration = submitted_contract()
    Registration.objects.filter(pk=registration.pk).update(applicant_role=ContractParty.Role.BUYER)
    registration = services.register(Registration.objects.get(pk=registration.pk), by=registrar)
    assert registration.status == Registration.Status.REFUSED
    assert registration.refused_rule == "R7_APPLICANT"
    assert "the developer applies, not the buyer" in registration.refused_message


def test_a_stranger_is_still_not_allowed_to_apply():
    contract = make_contract()
    stranger = UserFactory(role=User.Role.MEMBER, organization=PartyOrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.submit_contract(contract, by=stranger)


# --- 技术入股, training of general staff (R1_TECHNOLOGY) ----------------------------------------


def test_technology_contributed_as_capital_registers_as_a_transfer(registrar):
    registration = services.register(
        submitted_contract(
            kind=ContractKind.TRANSFER, sub_kind=SubKind.PATENT_RIGHT_TRANSFER, contributed_as_capital=True
        ),
        by=registrar,
    )
    assert (
        registration.status == Registration.Status.REGISTERED and registration.kind == ContractKind.TRANSFER
    )
    refused = services.register(submitted_contract(contributed_as_capital=True), by=registrar)
    assert refused.refused_rule == "R1_TECHNOLOGY"
    assert "contributed as capital (技术入股) registers as a technology transfer" in refused.refused_message


def test_training_of_general_staff_is_not_technical_training(registrar):
    refused = services.register(
        submitted_contract(
            kind=ContractKind.SERVICE, sub_kind=SubKind.TECHNICAL_TRAINING, general_staff_training=True
        ),
        by=registrar,
    )
    assert refused.status == Registration.Status.REFUSED and refused.refused_rule == "R1_TECHNOLOGY"
    assert "is not technical training (技术培训)" in refused.refused_message
    passed = services.register(
        submitted_contract(kind=ContractKind.SERVICE, sub_kind=SubKind.TECHNICAL_TRAINING), by=registrar
    )
    assert passed.status == Registration.Status.REGISTERED


# --- (b) review window, expert review, holiday calendar (R8_REVIEW) ----------------------------


def test_the_review_window_walks_across_national_day_with_the_region_calendar():
    # Applied on Monday 28 September 2026: 1–7 October is 国庆节, Saturday 10 October a make-up working day.
    with today_is(date(2026, 9, 28)):
        small = submitted_contract()
        large = submitted_contract(amount_yuan=Decimal("6000000.00"))
    assert not small.needs_expert_review
    # 15 working days: 29, 30 Sep; 8, 9, 10 (Sat), 12–16, 19–23 Oct. Monday–Friday alone would say 19 Oct.
    assert small.due_on == date(2026, 10, 23)
    assert large.needs_expert_review and large.due_on == date(2026, 11, 13)  # 30 working days
    calendar = selectors.region_calendar()
    assert working_days_left(date(2026, 9, 30), small.due_on, calendar) == 13
    clock_on = selectors.review_clock(small, today=date(2026, 10, 23), calendar=calendar)
    assert clock_on.days_left == 0 and not clock_on.is_overdue
    late = selectors.review_clock(small, today=date(2026, 10, 26), calendar=calendar)
    assert late.is_overdue and late.days_left == -1


def test_the_window_and_threshold_are_region_data(set_region_parameter):
    set_region_parameter("registration_review_working_days", 5)
    set_region_parameter("registration_expert_review_threshold_yuan", "10000000")
    with today_is(date(2026, 9, 28)):
        registration = submitted_contract(amount_yuan=Decimal("6000000.00"))
    assert not registration.needs_expert_review
    # 29 Sep (1), 30 Sep (2), 8 Oct (3), 9 Oct (4), the make-up Saturday 10 Oct (5)
    assert registration.due_on == date(2026, 10, 10)


def test_a_large_contract_needs_expert_review_before_registration(registrar):
    registration = submitted_contract(amount_yuan=Decimal("5000000.00"))  # at the threshold: ≥
    assert registration.needs_expert_review
    with pytest.raises(ValidationError) as refused:
        services.register(registration, by=registrar)
    assert refused.value.code == "expert_review_required" and "R8_REVIEW" in refused.value.messages[0]
    registration.refresh_from_db()
    assert registration.status == Registration.Status.SUBMITTED and registration.number is None
    with pytest.raises(ValidationError):
        services.record_expert_review(registration, "  ", by=registrar)
    services.record_expert_review(registration, "专家组一致同意登记", by=registrar)
    registration = services.register(registration, by=registrar)
    assert registration.status == Registration.Status.REGISTERED
    assert registration.expert_opinion == "专家组一致同意登记"
    assert [e.action for e in registration.events.all()] == ["submit", "expert_review", "register"]


def test_just_below_the_threshold_no_expert_review(registrar):
    registration = submitted_contract(amount_yuan=Decimal("5000000.00"), equipment_yuan=Decimal("0.01"))
    assert not registration.needs_expert_review
    with pytest.raises(ValidationError, match="needs no expert review"):
        services.record_expert_review(registration, "意见", by=registrar)
    assert services.register(registration, by=registrar).status == Registration.Status.REGISTERED


def test_a_disputed_contract_needs_expert_review_and_the_longer_window(registrar):
    with today_is(date(2026, 9, 28)):
        registration = submitted_contract()
        registration = services.mark_disputed(registration, "买方对技术指标有异议", by=registrar)
    assert registration.is_disputed and registration.needs_expert_review
    assert registration.due_on == date(2026, 11, 13)
    with pytest.raises(ValidationError, match="R8_REVIEW"):
        services.register(registration, by=registrar)
    applicant = registration.submitted_by
    with pytest.raises(PermissionDenied):
        services.record_expert_review(registration, "自己评审", by=applicant)


def test_the_queue_shows_days_left_overdue_and_the_expert_step(client, registrar):
    with today_is(date(2026, 9, 1)):
        overdue = submitted_contract(title="逾期待审合同")
    fresh = submitted_contract(title="新近申请合同")
    large = submitted_contract(title="大额合同", amount_yuan=Decimal("8000000.00"))
    client.force_login(registrar)
    page = client.get("/deals/registrations/").content.decode()
    assert 'data-overdue-count="1"' in page
    block = page.split(f'data-registration="{overdue.pk}"')[1].split("data-registration=")[0]
    assert "data-overdue" in block
    block = page.split(f'data-registration="{fresh.pk}"')[1].split("data-registration=")[0]
    left = working_days_left(clock.local_date(), fresh.due_on, selectors.region_calendar())
    assert left > 0 and f'data-days-left="{left}"' in block and "data-overdue" not in block
    block = page.split(f'data-registration="{large.pk}"')[1].split("data-registration=")[0]
    assert "data-needs-expert-review" in block
    assert f"/deals/registrations/{large.pk}/register/" not in block  # experts first
    assert f"/deals/registrations/{large.pk}/expert-review/" in block
    response = client.post(f"/deals/registrations/{large.pk}/expert-review/", {"opinion": "同意"})
    assert response.status_code == 302
    large.refresh_from_db()
    assert large.expert_reviewed_by == registrar


# --- (c) refusal reasons of the rules ---------------------------------------------------------


def test_a_registrar_refuses_with_the_rules_reasons_and_they_show_on_the_refusal(client, registrar):
    registration = submitted_contract()
    client.force_login(registrar)
    response = client.post(
        f"/deals/registrations/{registration.pk}/refuse/",
        {"reasons": ["monopoly_clauses", "name_seal_mismatch"], "reason": ""},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REFUSED
    assert registration.refusal_reasons == ["monopoly_clauses", "name_seal_mismatch"]
    # The page runs in Chinese (the site's language): the reasons are recorded in it.
    assert "R0_REVIEWER" in registration.refused_message
    assert "含有非法垄断技术的条款" in registration.refused_message
    assert "合同签章与当事人名称不一致" in registration.refused_message
    page = client.get(f"/deals/contracts/{registration.contract_id}/").content.decode()
    reasons = page.split("data-refusal-reasons>")[1].split("</ul>")[0]
    assert "缺少相关证明文件" not in reasons and "合同签章与当事人名称不一致" in reasons


def test_an_unknown_reason_or_none_at_all_refuses_nothing(registrar):
    registration = submitted_contract()
    with pytest.raises(ValidationError):
        services.refuse_registration(registration, "", reasons=["because"], by=registrar)
    with pytest.raises(ValidationError):
        services.refuse_registration(registration, " ", reasons=[], by=registrar)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.SUBMITTED and registration.refusal_reasons == []


# --- (d) public verification ------------------------------------------------------------------


def test_the_public_page_answers_valid_amended_and_cancelled_and_nothing_else(client, registrar):
    original = registered_contract(amount_yuan=Decimal("1234567.00"))
    assert len(original.verification_code) == 12
    member = seller_member(original.contract)
    amendment = services.amend(original, {"title": "修订合同"}, tax_benefit_claimed=False, by=member)
    amendment = services.register(amendment, by=registrar)
    original.refresh_from_db()
    other = registered_contract()
    services.cancel_registration(other, "合同解除", tax_benefit_claimed=False, by=registrar)
    other.refresh_from_db()

    def verify(registration, code=None):
        response = client.get(
            "/deals/verify/", {"number": registration.number, "code": code or registration.verification_code}
        )
        assert response.status_code == 200
        return response.content.decode().split("data-verification-result")[1].split("</div>")[0]

    assert 'data-result="valid"' in verify(amendment)
    assert 'data-result="amended"' in verify(original)
    assert 'data-result="cancelled"' in verify(other)
    assert 'data-result=""' in verify(amendment, code="AAAAAAAAAAAA")
    page = client.get(
        "/deals/verify/", {"number": amendment.number, "code": amendment.verification_code.lower()}
    ).content.decode()
    assert 'data-result="valid"' in page  # codes are read case-insensitively
    for secret in (amendment.seller_name, amendment.buyer_name, "1,234,567", "1234567", "修订合同"):
        assert secret not in page


def test_the_certificate_carries_the_code_the_office_and_the_verification_address(client, registrar):
    registration = registered_contract(registrar=registrar)
    assert registration.registering_office.code == "hq"
    from mengkeju.deals.certificate import render_certificate

    url = "http://testserver/deals/verify/?number=X&code=Y"
    pdf = render_certificate(registration, compress=False, verify_url=url)
    assert registration.verification_code.encode() in pdf and url.encode() in pdf
    client.force_login(registrar)
    response = client.get(f"/deals/registrations/{registration.pk}/certificate.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- (e) 变更登记 / 注销登记 report tax benefits; entitled benefits -----------------------------


def test_cancellation_reports_whether_a_tax_benefit_was_claimed(registrar):
    registration = registered_contract()
    with pytest.raises(ValidationError) as refused:
        services.cancel_registration(registration, "合同解除", by=registrar)
    assert "R9_TAX_REPORT" in str(refused.value)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED and registration.is_current
    registration = services.cancel_registration(
        registration, "合同解除", tax_benefit_claimed="yes", by=registrar
    )
    assert registration.status == Registration.Status.CANCELLED and registration.tax_benefit_claimed is True
    assert "Tax benefit already claimed: yes." in registration.events.last().note


def test_an_amendment_reports_whether_a_tax_benefit_was_claimed(registrar):
    registration = registered_contract()
    member = seller_member(registration.contract)
    with pytest.raises(ValidationError, match="R9_TAX_REPORT"):
        services.amend(registration, {"title": "变更"}, by=member)
    assert not TechnicalContract.objects.filter(previous_version=registration.contract).exists()
    amendment = services.amend(registration, {"title": "变更"}, tax_benefit_claimed=False, by=member)
    assert amendment.tax_benefit_claimed is False


def test_withdrawing_a_pending_application_needs_no_tax_report():
    registration = submitted_contract()
    withdrawn = services.cancel_registration(registration, "撤回", by=seller_member(registration.contract))
    assert withdrawn.status == Registration.Status.CANCELLED and withdrawn.tax_benefit_claimed is None


def test_the_certificate_page_lists_the_entitled_benefits_as_information(client):
    transfer = registered_contract(kind=ContractKind.TRANSFER, sub_kind=SubKind.PATENT_RIGHT_TRANSFER)
    benefits = services.entitled_benefits(transfer)
    assert len(benefits) == 3
    assert "VAT exemption" in benefits[0] and "5,000,000 yuan" in benefits[1] and "50 %" in benefits[2]
    consulting = registered_contract(kind=ContractKind.CONSULTING, sub_kind=SubKind.FEASIBILITY_STUDY)
    assert [b for b in services.entitled_benefits(consulting) if "VAT" in b or "income tax" in b] == []
    client.force_login(hq_operator())
    page = client.get(f"/deals/contracts/{transfer.contract_id}/").content.decode()
    assert "data-benefits" in page and "财税〔2010〕111号" in page
    assert transfer.verification_code in page


def test_new_messages_are_translated(registrar):
    contract = make_contract()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.submit_contract(contract, by=member_of(contract, ContractParty.Role.BUYER))
    assert "R7_APPLICANT" in refused.value.messages[0]
    assert "the developer" not in refused.value.messages[0]


def test_the_contract_form_offers_the_new_flags_and_the_page_shows_them(client, broker):
    from mengkeju.deals.forms import ContractForm

    contract = make_contract(kind=ContractKind.TRANSFER, sub_kind=SubKind.PATENT_RIGHT_TRANSFER)
    client.force_login(broker)
    page = client.get(f"/deals/contracts/{contract.pk}/edit/").content.decode()
    for name in ("is_import", "contributed_as_capital", "general_staff_training"):
        assert f'name="{name}"' in page
    data = {
        "title": contract.title,
        "kind": "transfer",
        "sub_kind": "patent_right_transfer",
        "amount_yuan": "100000",
        "contributed_as_capital": "on",
    }
    form = ContractForm(data)
    assert form.is_valid(), form.errors
    values = form.service_values()
    assert values["contributed_as_capital"] is True and values["is_import"] is False
    services.update_contract(contract, by=broker, **values)
    page = client.get(f"/deals/contracts/{contract.pk}/").content.decode()
    assert 'data-flag="contributed_as_capital"' in page and 'data-flag="is_import"' not in page


def test_an_imported_technology_with_a_foreign_seller_counts_as_an_inflow(registrar):
    contract = make_contract(seller=PartyOrganizationFactory(credit_code=""), is_import=True)
    contract.parties.filter(role=ContractParty.Role.SELLER).update(credit_code="", division=None)
    registration = services.register(
        services.submit_contract(contract, by=member_of(contract, ContractParty.Role.BUYER)), by=registrar
    )
    assert registration.status == Registration.Status.REGISTERED, registration.refused_message
    assert registration.flow == "inflow" and registration.seller_division is None
    # Without the import flag the same unknown division is refused.
    other = make_contract(seller_division=None)
    refused = services.register(services.submit_contract(other, by=seller_member(other)), by=registrar)
    assert refused.refused_rule == "R6_FLOW"
