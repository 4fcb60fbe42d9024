"""先使用后付费, walked with a fixed clock: trial → reminders → conversion → royalty report → payment →
revenue-sharing statement; and trial → exit with nothing due."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from mengkeju.licensing import selectors, services
from mengkeju.licensing.models import (
    Licence,
    LicenceAction,
    Payment,
    PaymentReceipt,
    RevenueShareStatement,
    RoyaltyReport,
    TrialReminder,
)
from mengkeju.notifications.models import Notification

from .factories import INVENTORS, ROYALTY_TERMS, trial_licence

pytestmark = pytest.mark.django_db

TRIAL_START = date(2026, 1, 15)
TRIAL_END = date(2029, 1, 14)  # 36 months (the region's default) less a day


def _notifications(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("message", flat=True))


def test_trial_reminders_conversion_royalty_payment_and_statement(parties):
    licensor, licensee = parties["licensor_member"], parties["licensee_member"]
    services.set_revenue_share_policy(
        parties["licensor"],
        by=licensor,
        valid_from=date(2025, 1, 1),
        inventors_share="0.70",
        team_share="0.10",
        institution_share="0.20",
        note="校发〔2025〕1号",
    )

    licence = trial_licence(parties)
    assert licence.status == Licence.Status.DRAFT
    assert licence.trial_months == 36  # region parameter use_first_pay_later_trial_months
    services.start_trial(licence, by=licensor, on=TRIAL_START)
    assert (licence.status, licence.trial_start_on, licence.trial_end_on) == ("trial", TRIAL_START, TRIAL_END)
    assert not licence.payments.exists()  # the trial is free

    # Reminders: 90 days before the end (2028-10-16), nothing the day before; each only once.
    assert services.send_trial_reminders(date(2028, 10, 15)) == []
    assert [n for _l, n in services.send_trial_reminders(date(2028, 10, 16))] == [90]
    assert services.send_trial_reminders(date(2028, 10, 16)) == []  # run twice: nothing new
    assert services.send_trial_reminders(date(2028, 10, 17)) == []
    call_command("licensing_reminders", date="2028-12-15", stdout=open("/dev/null", "w"))  # 30 days before
    call_command("licensing_reminders", date="2028-12-15", stdout=open("/dev/null", "w"))
    for person in (licensor, licensee):
        messages = _notifications(person)
        assert len(messages) == 2, messages
        assert "2029-01-14" in messages[0] and "90" in messages[0]
        assert "30" in messages[1]
    assert not _notifications(parties["unrelated_member"])
    assert list(licence.trial_reminders.values_list("days_before", "notified")) == [(90, True), (30, True)]

    # The licensee converts to the royalty terms agreed in advance.
    services.convert_to_paid(licence, by=licensee, on=date(2029, 1, 10))
    assert licence.status == Licence.Status.CONVERTED
    assert services.send_trial_reminders(date(2029, 1, 7)) == []  # no 7-day reminder after conversion

    # A quarter's royalty report: 1,234,567.89 × 3.5 % = 43,209.87615 → 43,209.88 (ROUND_HALF_UP).
    report = services.file_royalty_report(
        licence,
        by=licensee,
        period_start_on=date(2029, 1, 10),
        period_end_on=date(2029, 3, 31),
        sales_revenue_yuan="1234567.89",
        units_sold="1200",
        filed_on=date(2029, 4, 10),
    )
    assert report.royalty_due_yuan == Decimal("43209.88")
    payment = report.payment
    assert (payment.kind, payment.amount_yuan, payment.due_on) == (
        "royalty",
        Decimal("43209.88"),
        date(2029, 4, 30),
    )
    assert selectors.schedule(licence, date(2029, 4, 30)).rows[0].state == Payment.State.DUE
    overdue = selectors.schedule(licence, date(2029, 5, 1))
    assert overdue.rows[0].state == Payment.State.OVERDUE and overdue.overdue_yuan == Decimal("43209.88")

    # The licensor records the payment with its deductible costs; the statement follows.
    receipt = services.record_payment(
        licence,
        by=licensor,
        received_on=date(2029, 5, 6),
        amount_yuan="43209.88",
        costs=[
            {"kind": "tax", "amount_yuan": "2592.59", "description": "增值税及附加"},
            {"kind": "brokerage_fee", "amount_yuan": "1000.00"},
        ],
    )
    payment.refresh_from_db()
    assert (payment.paid_amount_yuan, payment.paid_on) == (Decimal("43209.88"), date(2029, 5, 6))
    assert selectors.schedule(licence, date(2029, 6, 1)).rows[0].state == Payment.State.PAID

    statement = receipt.statement
    assert statement.net_income_yuan == Decimal("39617.29")
    # 0.70 / 0.10 / 0.20 of 39,617.29: exact 27,732.103 / 3,961.729 / 7,923.458 → the two left-over
    # fen go to the largest remainders (team .9, institution .8).
    assert (statement.inventors_yuan, statement.team_yuan, statement.institution_yuan) == (
        Decimal("27732.10"),
        Decimal("3961.73"),
        Decimal("7923.46"),
    )
    # Inventors 3 : 2 : 1 of 27,732.10 → 13,866.05 / 9,244.0333 / 4,622.0167 → the fen to 王芳.
    lines = [(line.party, line.name, line.amount_yuan) for line in statement.lines.all()]
    assert lines == [
        ("inventor", "张明", Decimal("13866.05")),
        ("inventor", "李华", Decimal("9244.03")),
        ("inventor", "王芳", Decimal("4622.02")),
        ("team", "研发团队", Decimal("3961.73")),
        ("institution", "内蒙古测试大学", Decimal("7923.46")),
    ]
    assert sum(amount for *_rest, amount in lines) == statement.net_income_yuan

    actions = list(licence.events.values_list("action", flat=True))
    assert actions == [
        LicenceAction.CREATE,
        LicenceAction.START_TRIAL,
        LicenceAction.REMIND,
        LicenceAction.REMIND,
        LicenceAction.CONVERT,
        LicenceAction.REPORT,
        LicenceAction.SCHEDULE,
        LicenceAction.PAY,
        LicenceAction.STATEMENT,
    ]
    assert all(e.actor_id for e in licence.events.exclude(action=LicenceAction.REMIND))


def test_trial_exit_leaves_nothing_due(parties):
    licensor, licensee = parties["licensor_member"], parties["licensee_member"]
    licence = trial_licence(parties, trial_months=12)
    services.start_trial(licence, by=licensor, on=TRIAL_START)
    assert licence.trial_end_on == date(2027, 1, 14)

    services.exit_trial(licence, by=licensee, on=date(2026, 11, 30), reason="产品路线调整，停止使用该技术")
    assert licence.status == Licence.Status.EXITED
    assert (licence.ended_on, licence.end_reason) == (date(2026, 11, 30), "产品路线调整，停止使用该技术")
    assert not licence.payments.exists()
    assert selectors.schedule(licence, date(2030, 1, 1)).outstanding_yuan == 0

    # Nothing can be paid or reported, no reminder is sent and the daily job leaves it alone.
    with pytest.raises(ValidationError):
        services.record_payment(licence, by=licensor, received_on=date(2027, 1, 1), amount_yuan="100.00")
    with pytest.raises(ValidationError):
        services.file_royalty_report(
            licence,
            by=licensee,
            period_start_on=date(2026, 1, 15),
            period_end_on=date(2026, 3, 31),
            sales_revenue_yuan="1000",
            filed_on=date(2026, 12, 1),
        )
    assert services.send_trial_reminders(date(2026, 12, 15)) == []
    assert services.expire_licences(date(2027, 2, 1)) == []
    assert not PaymentReceipt.objects.exists() and not RoyaltyReport.objects.exists()
    assert list(licence.events.values_list("action", flat=True)) == ["create", "start_trial", "exit"]


def test_unconverted_trial_expires_and_cannot_be_converted_later(parties):
    licence = trial_licence(parties, trial_months=12)
    services.start_trial(licence, by=parties["licensor_member"], on=TRIAL_START)
    assert services.expire_licences(date(2027, 1, 14)) == []  # the last day of the trial
    assert [x.pk for x in services.expire_licences(date(2027, 1, 15))] == [licence.pk]
    licence.refresh_from_db()
    assert (licence.status, licence.ended_on) == (Licence.Status.EXPIRED, date(2027, 1, 14))
    assert licence.events.last().actor is None  # the daily job
    with pytest.raises(ValidationError, match="已过期"):
        services.convert_to_paid(licence, by=parties["licensee_member"], on=date(2027, 1, 16))
    licence.refresh_from_db()
    assert licence.status == Licence.Status.EXPIRED


def test_conversion_after_the_trial_ended_is_refused(parties):
    licence = trial_licence(parties, trial_months=12)
    services.start_trial(licence, by=parties["licensor_member"], on=TRIAL_START)
    with pytest.raises(ValidationError, match="2027-01-14"):
        services.convert_to_paid(licence, by=parties["licensee_member"], on=date(2027, 1, 20))
    licence.refresh_from_db()
    assert licence.status == Licence.Status.TRIAL


def test_a_missed_reminder_day_sends_only_the_most_imminent_reminder(parties):
    licence = trial_licence(parties, trial_months=12)
    services.start_trial(licence, by=parties["licensor_member"], on=TRIAL_START)
    # The job first runs 20 days before the end: the 90- and 30-day reminders are both due.
    assert [n for _l, n in services.send_trial_reminders(date(2026, 12, 25))] == [30]
    assert dict(TrialReminder.objects.values_list("days_before", "notified")) == {90: False, 30: True}
    assert Notification.objects.filter(user=parties["licensee_member"]).count() == 1
    assert [n for _l, n in services.send_trial_reminders(date(2027, 1, 7))] == [7]
    assert services.send_trial_reminders(date(2027, 1, 14)) == []


def test_conversion_to_lump_sum_or_milestones_schedules_the_agreed_payments(parties):
    lump = trial_licence(parties, fee_model="lump_sum", lump_sum_yuan="300000.00", payment_term_days=15)
    services.start_trial(lump, by=parties["licensor_member"], on=TRIAL_START)
    services.convert_to_paid(lump, by=parties["licensee_member"], on=date(2027, 3, 1))
    assert list(lump.payments.values_list("kind", "amount_yuan", "due_on")) == [
        ("lump_sum", Decimal("300000.00"), date(2027, 3, 16))
    ]
    milestones = trial_licence(
        parties,
        fee_model="milestones",
        milestones=[
            {"name": "中试完成", "months_after": 0, "amount_yuan": "100000"},
            {"name": "量产", "months_after": 12, "amount_yuan": "250000.50"},
        ],
    )
    services.start_trial(milestones, by=parties["licensor_member"], on=TRIAL_START)
    services.convert_to_paid(milestones, by=parties["licensee_member"], on=date(2027, 3, 1))
    assert list(milestones.payments.values_list("kind", "amount_yuan", "due_on")) == [
        ("milestone", Decimal("100000.00"), date(2027, 3, 31)),
        ("milestone", Decimal("250000.50"), date(2028, 3, 31)),
    ]


def test_each_licence_may_set_its_own_trial_period(parties):
    licence = trial_licence(parties, trial_months=18, **ROYALTY_TERMS)
    services.start_trial(licence, by=parties["licensor_member"], on=date(2026, 2, 28))
    assert licence.trial_end_on == date(2027, 8, 27)
    assert licence.inventors == INVENTORS


def test_no_statement_without_a_policy_until_one_is_set(parties):
    from .factories import converted_royalty_licence, royalty_payment

    licence = converted_royalty_licence(parties)
    payment = royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="10000")
    receipt = services.record_payment(
        licence, by=parties["licensor_member"], received_on=date(2026, 7, 20), amount_yuan=payment.amount_yuan
    )
    assert not RevenueShareStatement.objects.exists()
    with pytest.raises(ValidationError, match="2026-07-20"):
        services.issue_statement(receipt, by=parties["licensor_member"], on=date(2026, 7, 21))
    services.set_revenue_share_policy(
        parties["licensor"],
        by=parties["licensor_member"],
        valid_from=date(2026, 1, 1),
        inventors_share="0.8",
        team_share="0",
        institution_share="0.2",
    )
    statement = services.issue_statement(receipt, by=parties["licensor_member"], on=date(2026, 7, 21))
    assert statement.net_income_yuan == Decimal("350.00")
    assert statement.inventors_yuan + statement.institution_yuan == Decimal("350.00")
    with pytest.raises(ValidationError):
        services.issue_statement(receipt, by=parties["licensor_member"], on=date(2026, 7, 22))
