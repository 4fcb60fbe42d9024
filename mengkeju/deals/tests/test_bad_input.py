"""Bad input gets a clear, localized error and changes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from mengkeju.deals import services
from mengkeju.deals.models import ContractParty, TechnicalContract
from mengkeju.network.tests.factories import division

from .factories import credit_code, make_contract

pytestmark = pytest.mark.django_db


def values(**overrides):
    base = {
        "title": "高温永磁材料技术开发合同",
        "kind": "development",
        "sub_kind": "commissioned_development",
        "amount_yuan": Decimal("500000.00"),
    }
    return {**base, **overrides}


def parties():
    return [
        {
            "role": "seller",
            "name": "内蒙古某研究院",
            "credit_code": credit_code(1),
            "division": division("150100"),
        },
        {
            "role": "buyer",
            "name": "包头某企业",
            "credit_code": credit_code(2),
            "division": division("150200"),
        },
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sub_kind": "patent_licence"}, "sub_kind"),
        ({"kind": "licence", "sub_kind": "patent_licence", "licence_scope": ""}, "licence_scope"),
        ({"licence_scope": "exclusive"}, "licence_scope"),
        ({"kind": "barter"}, "kind"),
        ({"amount_yuan": Decimal("-1")}, "amount_yuan"),
        ({"equipment_yuan": Decimal("-0.01")}, "equipment_yuan"),
        ({"amount_yuan": Decimal("100"), "parts_yuan": Decimal("100.01")}, "amount_yuan"),
        ({"title": "  "}, "title"),
        ({"term_start": "2026-05-01", "term_end": "2026-04-30"}, "term_end"),
    ],
)
def test_invalid_contract_input_is_refused_and_nothing_is_saved(overrides, field, staff):
    if "term_start" in overrides:
        from datetime import date

        overrides = {"term_start": date(2026, 5, 1), "term_end": date(2026, 4, 30)}
    with pytest.raises(ValidationError) as error:
        services.create_contract(by=staff, parties=parties(), **values(**overrides))
    assert field in error.value.message_dict
    assert not TechnicalContract.objects.exists()
    assert not ContractParty.objects.exists()


def test_an_invalid_credit_code_is_refused_with_a_chinese_message(staff):
    bad = parties()
    bad[0]["credit_code"] = credit_code(1)[:17] + "Z"
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.create_contract(by=staff, parties=bad, **values())
    assert "统一社会信用代码" in " ".join(error.value.messages)
    assert not TechnicalContract.objects.exists()


def test_a_valid_draft_is_saved_with_its_transaction_amount(staff):
    contract = services.create_contract(
        by=staff,
        parties=parties(),
        **values(amount_yuan=Decimal("1000000.01"), equipment_yuan=Decimal("0.02")),
    )
    assert contract.transaction_amount_yuan == Decimal("999999.99")
    assert contract.sub_center == staff.organization
    assert contract.parties.count() == 2


def test_editing_with_bad_values_changes_nothing(staff):
    contract = make_contract()
    with pytest.raises(ValidationError):
        services.update_contract(contract, by=staff, amount_yuan=Decimal("10"), equipment_yuan=Decimal("20"))
    contract.refresh_from_db()
    assert contract.amount_yuan == Decimal("1000000.00")


def test_unknown_stage_and_unknown_fields_are_refused(broker):
    from .factories import DealFactory

    deal = DealFactory(broker=broker)
    with pytest.raises(ValidationError):
        services.transition_deal(deal, "won", by=broker)
    with pytest.raises(ValidationError):
        services.create_contract(by=broker, parties=parties(), colour="red", **values())


def test_a_sub_kind_of_another_kind_is_named_by_its_label_not_its_code(staff):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.create_contract(by=staff, parties=parties(), **values(sub_kind="patent_licence"))
    message = error.value.message_dict["sub_kind"][0]
    assert "patent_licence" not in message and "专利实施许可" in message and "技术开发" in message
