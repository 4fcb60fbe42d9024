"""Each registration rule: a contract that passes, and one refused with that rule's code and message."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mengkeju.core import clock
from mengkeju.deals import rules, services
from mengkeju.deals.models import ContractKind, ContractParty, Flow, Registration, SubKind, classify_flow
from mengkeju.network.tests.factories import division

from .factories import credit_code, make_contract, registered_contract, submitted_contract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def decide(registrar, **fields) -> Registration:
    return services.register(submitted_contract(**fields), by=registrar)


def assert_refused(registration: Registration, code: str, text: str) -> None:
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REFUSED
    assert registration.refused_rule == code
    assert code in registration.refused_message
    assert text in registration.refused_message, registration.refused_message
    assert registration.number is None and not registration.is_current
    assert registration.contract.status == "refused"
    assert registration.events.last().action == "refuse"


def assert_registered(registration: Registration) -> None:
    assert registration.status == Registration.Status.REGISTERED, registration.refused_message
    assert registration.number and registration.is_current


# --- R1 technology -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sub_kind", "scope"),
    [
        (ContractKind.DEVELOPMENT, SubKind.COOPERATIVE_DEVELOPMENT, ""),
        (ContractKind.TRANSFER, SubKind.PATENT_APPLICATION_RIGHT_TRANSFER, ""),
        (ContractKind.LICENCE, SubKind.TECHNICAL_SECRET_LICENCE, "exclusive"),
        (ContractKind.CONSULTING, SubKind.FEASIBILITY_STUDY, ""),
        (ContractKind.SERVICE, SubKind.TECHNICAL_TRAINING, ""),
    ],
)
def test_registration_accepts_each_technical_kind(registrar, kind, sub_kind, scope):
    registration = decide(registrar, kind=kind, sub_kind=sub_kind, licence_scope=scope)
    assert_registered(registration)
    assert (registration.kind, registration.sub_kind, registration.licence_scope) == (kind, sub_kind, scope)


def test_registration_refused_when_contract_is_not_technical(registrar):
    registration = decide(registrar, kind=ContractKind.NON_TECHNICAL, sub_kind="", title="风机叶片采购合同")
    assert_refused(registration, "R1_TECHNOLOGY", "not a technical contract")


def test_registration_refused_when_licence_scope_missing(registrar):
    registration = decide(
        registrar, kind=ContractKind.LICENCE, sub_kind=SubKind.PATENT_LICENCE, licence_scope=""
    )
    assert_refused(registration, "R1_TECHNOLOGY", "scope")


# --- R2 parties --------------------------------------------------------------------------------


def test_credit_code_check_character_follows_gb_32100():
    assert rules.is_valid_credit_code("91350100M000100Y43")
    assert not rules.is_valid_credit_code("91350100M000100Y42")
    assert not rules.is_valid_credit_code("91350100M000100Y4")  # 17 characters
    assert not rules.is_valid_credit_code("91350100M00O100Y43")  # letter O is not in the character set
    assert rules.is_valid_credit_code(credit_code(12345))


def test_id_number_check_character_follows_gb_11643():
    assert rules.is_valid_id_number("11010519491231002X")
    assert not rules.is_valid_id_number("110105194912310021")
    assert rules.is_valid_party_code("11010519491231002x")


def test_registration_accepts_a_natural_person_seller_with_an_id_number(registrar):
    contract = make_contract()
    contract.parties.filter(role="seller").update(
        organization=None, name="张三", credit_code="11010519491231002X"
    )
    registration = services.register(_submit(contract), by=registrar)
    assert_registered(registration)
    assert registration.seller_name == "张三"


def _submit(contract):
    """Apply as sub-center staff (the seller side may have lost its organization in the test)."""
    from mengkeju.network.models import User
    from mengkeju.network.tests.factories import UserFactory

    from .factories import node

    return services.submit_contract(
        contract, by=UserFactory(role=User.Role.SUBCENTER_STAFF, organization=node("baotou"))
    )


def test_registration_refused_when_credit_code_check_digit_is_wrong(registrar):
    contract = make_contract()
    seller = contract.parties.get(role="seller")
    wrong = seller.credit_code[:17] + ("0" if seller.credit_code[17] != "0" else "1")
    ContractParty.objects.filter(pk=seller.pk).update(credit_code=wrong)
    registration = services.register(_submit(contract), by=registrar)
    assert_refused(registration, "R2_PARTIES", wrong)


def test_registration_refused_when_seller_and_buyer_are_the_same(registrar):
    contract = make_contract()
    seller = contract.parties.get(role="seller")
    contract.parties.filter(role="buyer").update(
        credit_code=seller.credit_code, organization=seller.organization
    )
    registration = services.register(_submit(contract), by=registrar)
    assert_refused(registration, "R2_PARTIES", "are the same party")


def test_registration_refused_without_a_buyer(registrar):
    contract = make_contract()
    contract.parties.filter(role="buyer").delete()
    registration = services.register(_submit(contract), by=registrar)
    assert_refused(registration, "R2_PARTIES", "at least one buyer")


def test_registration_refused_with_two_sellers(registrar):
    contract = make_contract(
        extra_parties=[
            {
                "role": "seller",
                "name": "第二卖方",
                "credit_code": credit_code(99),
                "division": division("150100"),
            }
        ]
    )
    registration = services.register(_submit(contract), by=registrar)
    assert_refused(registration, "R2_PARTIES", "exactly one seller (found 2)")


# --- R3 amounts --------------------------------------------------------------------------------


def test_transaction_amount_is_exact_to_the_fen():
    contract = make_contract(amount_yuan=Decimal("1000000.01"), equipment_yuan=Decimal("0.02"))
    assert services.transaction_amount(contract) == Decimal("999999.99")
    contract.amount_yuan = Decimal("0.10")
    contract.equipment_yuan = Decimal("0.00")
    contract.instruments_yuan = Decimal("0.03")
    contract.parts_yuan = Decimal("0.03")
    contract.materials_yuan = Decimal("0.03")
    contract.construction_yuan = Decimal("0.01")
    assert services.transaction_amount(contract) == Decimal("0.00")
    contract.amount_yuan = Decimal("99999999999999.99")
    assert services.transaction_amount(contract) == Decimal("99999999999999.89")


def test_registered_snapshot_keeps_both_amounts(registrar):
    registration = decide(
        registrar,
        amount_yuan=Decimal("1000000.01"),
        equipment_yuan=Decimal("300000.00"),
        materials_yuan=Decimal("0.02"),
    )
    assert_registered(registration)
    assert registration.amount_yuan == Decimal("1000000.01")
    assert registration.transaction_amount_yuan == Decimal("699999.99")


def test_registration_refused_when_amount_is_zero(registrar):
    assert_refused(decide(registrar, amount_yuan=Decimal("0.00")), "R3_AMOUNTS", "must be positive")


def test_registration_refused_when_transaction_amount_negative(registrar):
    registration = decide(registrar, amount_yuan=Decimal("100.00"), construction_yuan=Decimal("100.01"))
    assert_refused(registration, "R3_AMOUNTS", "negative")


# --- R4 window ---------------------------------------------------------------------------------


def test_registration_refused_when_signed_in_the_future(registrar):
    tomorrow = clock.local_date() + timedelta(days=1)
    assert_refused(decide(registrar, signed_on=tomorrow), "R4_WINDOW", "in the future")


def test_registration_refused_when_term_ends_before_it_starts(registrar):
    today = clock.local_date()
    registration = decide(registrar, term_start=today, term_end=today - timedelta(days=1))
    assert_refused(registration, "R4_WINDOW", "ends before it starts")


def test_registration_refused_when_applied_after_the_term(registrar):
    today = clock.local_date()
    registration = decide(
        registrar,
        signed_on=today - timedelta(days=400),
        term_start=today - timedelta(days=400),
        term_end=today - timedelta(days=1),
    )
    assert_refused(registration, "R4_WINDOW", "after the contract term ended")


def test_grace_days_after_the_term_are_a_region_parameter(registrar, set_region_parameter):
    set_region_parameter("registration_grace_days_after_term", 30)
    today = clock.local_date()
    registration = decide(
        registrar,
        signed_on=today - timedelta(days=400),
        term_start=today - timedelta(days=400),
        term_end=today - timedelta(days=30),
    )
    assert_registered(registration)


def test_application_on_the_last_day_of_the_term_is_accepted(registrar):
    today = clock.local_date()
    assert_registered(decide(registrar, term_end=today))


# --- R5 one contract, one registration ---------------------------------------------------------


def test_registration_refused_when_the_contract_is_already_registered(registrar):
    first = registered_contract(registrar=registrar)
    second = Registration.objects.create(
        contract=first.contract, version=1, submitted_at=first.submitted_at, submitted_by=first.submitted_by
    )
    assert_refused(services.register(second, by=registrar), "R5_UNIQUE", "already registered")
    first.refresh_from_db()
    assert first.status == "registered" and first.is_current


def test_registration_refused_when_the_same_contract_is_entered_twice(registrar):
    first = registered_contract(registrar=registrar)
    parties = {p.role: p for p in first.contract.parties.all()}
    again = make_contract(seller=parties["seller"].organization, buyer=parties["buyer"].organization)
    registration = services.register(_submit(again), by=registrar)
    assert_refused(registration, "R5_UNIQUE", first.number)


def test_registration_numbers_are_consecutive_per_year_and_never_reused(registrar):
    first = registered_contract(registrar=registrar)
    year = first.registered_on.year
    assert first.number.startswith(f"150000{year}")
    assert len(first.number) == len("150000") + 4 + 6
    services.cancel_registration(first, "登记错误", tax_benefit_claimed=False, by=registrar)
    second = registered_contract(registrar=registrar)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    first.refresh_from_db()
    assert first.number and first.status == "cancelled" and not first.is_current


# --- R6 flow -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seller", "buyer", "flow"),
    [
        ("150200", "150400", Flow.WITHIN),
        ("150200", "110000", Flow.OUTFLOW),
        ("310000", "150100", Flow.INFLOW),
        ("110000", "440300", Flow.EXTERNAL),
    ],
)
def test_flow_is_classified_by_the_parties_divisions(seller, buyer, flow, registrar):
    assert classify_flow(division(seller), division(buyer)) == flow
    registration = decide(registrar, seller_division=seller, buyer_division=buyer)
    assert_registered(registration)
    assert registration.flow == flow
    assert (registration.seller_division.code, registration.buyer_division.code) == (seller, buyer)


def test_flow_needs_both_divisions():
    assert classify_flow(None, division("150200")) is None


def test_registration_refused_when_a_division_is_unknown(registrar):
    assert_refused(decide(registrar, buyer_division=None), "R6_FLOW", "buyer's division is unknown")


# --- all rules together ------------------------------------------------------------------------


def test_check_registration_lists_every_failing_rule_in_order(registrar):
    registration = submitted_contract(kind=ContractKind.NON_TECHNICAL, sub_kind="", amount_yuan=Decimal("0"))
    assert [f.code for f in services.check_registration(registration)] == ["R1_TECHNOLOGY", "R3_AMOUNTS"]
    registration = services.register(registration, by=registrar)
    assert registration.refused_rule == "R1_TECHNOLOGY"
    assert "R3_AMOUNTS" in registration.refused_message


def test_every_rule_has_a_code_and_title():
    assert [r.code for r in rules.RULES] == [
        "R1_TECHNOLOGY",
        "R2_PARTIES",
        "R3_AMOUNTS",
        "R4_WINDOW",
        "R5_UNIQUE",
        "R6_FLOW",
        "R7_APPLICANT",
    ]


def test_refusal_messages_are_localized(registrar):
    from django.utils import translation

    with translation.override("zh-hans"):
        registration = decide(registrar, kind=ContractKind.NON_TECHNICAL, sub_kind="")
    assert "R1_TECHNOLOGY【标的须为技术】" in registration.refused_message
    assert "货物、劳务等合同不予登记" in registration.refused_message
