"""The payment schedule seen against a clock: due, partly paid, paid, overdue."""

from datetime import date
from decimal import Decimal

import pytest

from mengkeju.licensing import selectors, services
from mengkeju.licensing.models import Payment

from .factories import converted_royalty_licence, royalty_payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "paid", "due_on", "today", "state"),
    [
        ("100.00", "0.00", date(2026, 5, 31), date(2026, 5, 31), "due"),  # due today is not yet overdue
        ("100.00", "0.00", date(2026, 5, 31), date(2026, 6, 1), "overdue"),
        ("100.00", "40.00", date(2026, 5, 31), date(2026, 5, 1), "partly_paid"),
        ("100.00", "40.00", date(2026, 5, 31), date(2026, 6, 1), "overdue"),
        ("100.00", "100.00", date(2026, 5, 31), date(2027, 1, 1), "paid"),
    ],
)
def test_state_of_a_scheduled_payment(amount, paid, due_on, today, state):
    payment = Payment(amount_yuan=Decimal(amount), paid_amount_yuan=Decimal(paid), due_on=due_on)
    assert payment.state_on(today) == state


def test_schedule_totals_and_overdue(parties):
    licence = converted_royalty_licence(parties)
    first = royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    second = royalty_payment(licence, parties, start=date(2026, 7, 1), end=date(2026, 7, 31), sales="20000")
    assert (first.due_on, second.due_on) == (date(2026, 7, 30), date(2026, 8, 30))
    services.record_payment(
        licence,
        by=parties["licensor_member"],
        received_on=date(2026, 7, 20),
        amount_yuan="1000.00",
        payment=first,
    )
    schedule = selectors.schedule(licence, date(2026, 8, 15))
    assert [row.state for row in schedule.rows] == ["overdue", "due"]
    assert schedule.scheduled_yuan == Decimal("4200.00")
    assert schedule.paid_yuan == Decimal("1000.00")
    assert schedule.outstanding_yuan == Decimal("3200.00")
    assert schedule.overdue_yuan == Decimal("2500.00")
    assert list(selectors.overdue_payments(date(2026, 8, 15))) == [first]
    assert list(selectors.overdue_payments(date(2026, 8, 15), parties["unrelated_member"])) == []


def test_the_licence_page_shows_the_badges(parties, client, settings):
    licence = converted_royalty_licence(parties)
    royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    client.force_login(parties["licensee_member"])
    body = client.get(f"/licensing/{licence.pk}/").content.decode()
    # The real clock is read only in the view; this licence's royalty fell due in 2026-07.
    assert 'data-state="overdue"' in body or 'data-state="due"' in body
    assert "3,500元" in body  # the one money filter
