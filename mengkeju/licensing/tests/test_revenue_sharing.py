"""收益分配: policies respect the legal minimum for inventors; statements add up to the fen."""

import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mengkeju.licensing import calculations, selectors, services
from mengkeju.licensing.models import RevenueSharePolicy
from mengkeju.network.models import Region

from .factories import converted_royalty_licence, royalty_payment

pytestmark = pytest.mark.django_db


def set_policy(parties, inventors, team, institution, valid_from=date(2026, 1, 1), by=None):
    return services.set_revenue_share_policy(
        parties["licensor"],
        by=by or parties["licensor_member"],
        valid_from=valid_from,
        inventors_share=inventors,
        team_share=team,
        institution_share=institution,
    )


def test_policy_below_the_legal_minimum_is_refused_naming_the_minimum(parties):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        set_policy(parties, "0.45", "0.15", "0.40")
    message = " ".join(refused.value.message_dict["inventors_share"])
    assert "50 %" in message and "45 %" in message and "第四十五条" in message, message
    assert not RevenueSharePolicy.objects.exists()


def test_the_minimum_is_the_region_parameter(parties):
    region = Region.objects.get()
    parameters = dict(region.parameters)
    region.parameters = {**parameters, "inventor_income_share_min": "0.70"}
    region.save()
    try:
        with pytest.raises(ValidationError, match="70 %"):
            set_policy(parties, "0.60", "0.10", "0.30")
        assert set_policy(parties, "0.70", "0.10", "0.20").inventors_share == Decimal("0.70")
    finally:
        region.parameters = parameters
        region.save()


def test_shares_must_add_up_to_one(parties):
    with pytest.raises(ValidationError, match="100"):
        set_policy(parties, "0.70", "0.10", "0.10")
    with pytest.raises(ValidationError):
        set_policy(parties, "1.20", "0", "-0.20")
    assert not RevenueSharePolicy.objects.exists()


def test_policies_are_versioned_by_valid_from(parties):
    old = set_policy(parties, "0.50", "0.20", "0.30", valid_from=date(2020, 1, 1))
    new = set_policy(parties, "0.70", "0.10", "0.20", valid_from=date(2026, 7, 1))
    assert selectors.policy_in_force(parties["licensor"], date(2026, 6, 30)) == old
    assert selectors.policy_in_force(parties["licensor"], date(2026, 7, 1)) == new
    assert selectors.policy_in_force(parties["licensor"], date(2019, 12, 31)) is None
    with pytest.raises(ValidationError):  # one version per day
        set_policy(parties, "0.80", "0", "0.20", valid_from=date(2026, 7, 1))


def test_only_members_of_the_institution_set_its_policy(parties):
    for role in ("licensee_member", "hq_operator", "platform_admin", "subcenter_staff"):
        with pytest.raises(PermissionDenied):
            set_policy(parties, "0.70", "0.10", "0.20", by=parties[role])
    with pytest.raises(PermissionDenied):  # an enterprise is not a university or institute
        services.set_revenue_share_policy(
            parties["licensee"],
            by=parties["licensee_member"],
            valid_from=date(2026, 1, 1),
            inventors_share="0.7",
            team_share="0",
            institution_share="0.3",
        )


def test_statement_under_the_policy_in_force_on_the_day_received(parties):
    set_policy(parties, "0.50", "0.20", "0.30", valid_from=date(2020, 1, 1))
    set_policy(parties, "0.70", "0.10", "0.20", valid_from=date(2026, 9, 1))
    licence = converted_royalty_licence(parties)
    payment = royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    assert payment.amount_yuan == Decimal("3500.00")
    first = services.record_payment(
        licence, by=parties["licensor_member"], received_on=date(2026, 8, 31), amount_yuan="1000.00"
    )
    second = services.record_payment(
        licence, by=parties["licensor_member"], received_on=date(2026, 9, 1), amount_yuan="2500.00"
    )
    assert first.statement.inventors_yuan == Decimal("500.00")
    assert second.statement.inventors_yuan == Decimal("1750.00")
    payment.refresh_from_db()
    assert payment.paid_on == date(2026, 9, 1)  # paid in full by the second receipt


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        ("100.00", [1, 1, 1], ["33.34", "33.33", "33.33"]),
        ("0.01", [1, 1, 1], ["0.01", "0.00", "0.00"]),
        ("0.02", [1, 2, 2], ["0.00", "0.01", "0.01"]),
        ("10.00", ["0.7", "0.1", "0.2"], ["7.00", "1.00", "2.00"]),
        ("0.05", ["0.7", "0.1", "0.2"], ["0.04", "0.00", "0.01"]),
        ("1.00", [1, 0, 2], ["0.33", "0.00", "0.67"]),
        ("0.00", [1, 1], ["0.00", "0.00"]),
    ],
)
def test_largest_remainder_allocation(total, weights, expected):
    parts = calculations.allocate(Decimal(total), [Decimal(str(w)) for w in weights])
    assert parts == [Decimal(x) for x in expected]
    assert sum(parts) == Decimal(total)


def test_allocation_always_adds_up_and_stays_within_a_fen():
    rng = random.Random(20261125)
    for _ in range(2000):
        total = Decimal(rng.randint(0, 10**9)) / 100
        weights = [Decimal(rng.randint(0, 10000)) / 10000 for _ in range(rng.randint(1, 8))]
        if not any(weights):
            continue
        parts = calculations.allocate(total, weights)
        assert sum(parts) == total
        exact_total = Fraction(total) / sum(Fraction(w) for w in weights)
        for part, weight in zip(parts, weights, strict=True):
            assert abs(Fraction(part) - exact_total * Fraction(weight)) < Fraction(1, 100)
        assert calculations.allocate(total, weights) == parts  # deterministic


def test_statement_lines_add_up_for_awkward_amounts(parties):
    policy = set_policy(parties, "0.6667", "0.1111", "0.2222")
    inventors = [{"name": "甲", "weight": "1"}, {"name": "乙", "weight": "1"}, {"name": "丙", "weight": "1"}]
    for net in ("0.01", "0.07", "1.00", "99999.99", "12345678.91"):
        lines = services.share_net_income(Decimal(net), policy, inventors)
        assert sum(line["amount_yuan"] for line in lines) == Decimal(net), net


def test_costs_are_deducted_before_sharing_and_may_not_exceed_the_payment(parties):
    set_policy(parties, "0.70", "0.10", "0.20")
    licence = converted_royalty_licence(parties)
    royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    with pytest.raises(ValidationError):
        services.record_payment(
            licence,
            by=parties["licensor_member"],
            received_on=date(2026, 7, 1),
            amount_yuan="3500.00",
            costs=[{"kind": "tax", "amount_yuan": "3000"}, {"kind": "maintenance_fee", "amount_yuan": "600"}],
        )
    receipt = services.record_payment(
        licence,
        by=parties["licensor_member"],
        received_on=date(2026, 7, 1),
        amount_yuan="3500.00",
        costs=[
            {"kind": "tax", "amount_yuan": "210.00"},
            {"kind": "maintenance_fee", "amount_yuan": "900.00"},
        ],
    )
    statement = receipt.statement
    assert (statement.gross_yuan, statement.deductions_yuan, statement.net_income_yuan) == (
        Decimal("3500.00"),
        Decimal("1110.00"),
        Decimal("2390.00"),
    )
    assert statement.inventors_yuan + statement.team_yuan + statement.institution_yuan == Decimal("2390.00")
