"""The daily job (`mengkeju licensing-reminders`): reminders, expiries, minimum royalties — idempotent."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from mengkeju.licensing import services
from mengkeju.licensing.models import Licence, Payment

from .factories import converted_royalty_licence, royalty_payment, trial_licence

pytestmark = pytest.mark.django_db


def run(day: str, command="licensing_reminders") -> str:
    out = StringIO()
    call_command(command, date=day, stdout=out)
    return out.getvalue()


def test_the_command_sends_expires_and_reports(parties):
    licence = trial_licence(parties, trial_months=6)
    services.start_trial(licence, by=parties["licensor_member"], on=date(2026, 1, 15))
    assert "1 reminder(s) sent" in run("2026-06-16")  # 30 days before 2026-07-14 (90 was passed already)
    assert "0 reminder(s) sent" in run("2026-06-16")
    assert "0 reminder(s) sent" in run("2026-06-16", command="send_licence_reminders")  # the alias
    assert "1 licence(s) expired" in run("2026-07-15")
    licence.refresh_from_db()
    assert licence.status == Licence.Status.EXPIRED


def test_licences_past_their_end_expire(parties):
    licence = _lump_sum_licence(parties, end_on=date(2026, 12, 31))
    assert services.expire_licences(date(2026, 12, 31)) == []
    assert services.expire_licences(date(2027, 1, 1)) == [licence]
    assert services.expire_licences(date(2027, 1, 2)) == []
    licence.refresh_from_db()
    assert (licence.status, licence.ended_on) == ("expired", date(2026, 12, 31))
    assert licence.payments.get().amount_yuan == Decimal("10000.00")  # what was due stays due


def test_minimum_annual_royalty_tops_up_a_short_year_once(parties):
    licence = converted_royalty_licence(
        parties,
        on=date(2026, 6, 1),
        fee_model="royalty",
        royalty_rate="0.05",
        minimum_annual_royalty_yuan="20000",
    )
    royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 12, 31), sales="100000")  # 5,000
    royalty_payment(licence, parties, start=date(2027, 1, 1), end=date(2027, 5, 31), sales="60000")  # 3,000
    # The licence year 2026-06-01 – 2027-05-31 ends; the top-up waits for the payment term (30 days).
    assert services.settle_minimum_royalties(date(2027, 6, 30)) == []
    top_ups = services.settle_minimum_royalties(date(2027, 7, 1))
    assert [(p.kind, p.amount_yuan, p.licence_year_end_on, p.due_on) for p in top_ups] == [
        (Payment.Kind.MINIMUM_ROYALTY, Decimal("12000.00"), date(2027, 5, 31), date(2027, 7, 31))
    ]
    assert services.settle_minimum_royalties(date(2027, 7, 2)) == []  # once per licence year
    assert "0 minimum-royalty top-up(s)" in run("2027-07-03")


def _lump_sum_licence(parties, amount="10000", end_on=date(2027, 12, 31)):
    """An ordinary licence on a lump sum, granted on 2026-01-01 (the payment falls due after its term)."""
    licence = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        start_on=date(2026, 1, 1),
        end_on=end_on,
        fee_model="lump_sum",
        lump_sum_yuan=amount,
    )
    services.grant_licence(licence, by=parties["licensor_member"], on=date(2026, 1, 1))
    return licence


def test_an_unpaid_payment_is_announced_once_the_day_after_it_was_due(parties):
    from mengkeju.licensing.models import LicenceAction
    from mengkeju.notifications.models import Notification

    licence = _lump_sum_licence(parties)
    payment = licence.payments.get()
    services.record_payment(
        licence, by=parties["licensor_member"], received_on=payment.due_on, amount_yuan="4000"
    )  # partly paid
    assert services.send_overdue_notices(payment.due_on) == []  # due today: not overdue yet
    day_after = date.fromordinal(payment.due_on.toordinal() + 1)
    assert services.send_overdue_notices(day_after) == [payment]
    assert services.send_overdue_notices(day_after) == []  # once
    assert services.send_overdue_notices(date(2026, 12, 1)) == []
    for who in ("licensor_member", "licensee_member"):
        (message,) = Notification.objects.filter(user=parties[who]).values_list("message", flat=True)
        assert message.startswith("款项逾期") and "10,000.00" in message and "6,000.00" in message
    assert not Notification.objects.filter(user=parties["unrelated_member"]).exists()
    event = licence.events.get(action=LicenceAction.OVERDUE)
    assert (event.actor, event.data["outstanding_yuan"]) == (None, "6000.00")
    payment.refresh_from_db()
    assert payment.overdue_notice_on == day_after


def test_paid_payments_get_no_notice_and_the_command_counts_the_notices(parties):
    paid = _lump_sum_licence(parties)
    services.record_payment(
        paid, by=parties["licensor_member"], received_on=date(2026, 1, 10), amount_yuan="10000"
    )
    _lump_sum_licence(parties, amount="2500")  # never paid
    assert "1 overdue notice(s) sent" in run("2026-12-01")
    assert "0 overdue notice(s) sent" in run("2026-12-01")
