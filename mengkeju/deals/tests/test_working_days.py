"""Follow-up deadlines in working days (Mon–Fri); the calendar is a seam for holidays."""

from datetime import date, timedelta

import pytest

from mengkeju.deals.working_days import RegionCalendar, add_working_days, is_follow_up_overdue, overdue_before

FRIDAY = date(2026, 3, 6)
MONDAY = date(2026, 3, 9)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (MONDAY, 0, MONDAY),
        (MONDAY, 1, date(2026, 3, 10)),
        (MONDAY, 5, date(2026, 3, 16)),
        (FRIDAY, 1, MONDAY),
        (FRIDAY, 5, date(2026, 3, 13)),
        (date(2026, 3, 7), 1, MONDAY),  # from a Saturday
        (date(2026, 3, 8), 10, date(2026, 3, 20)),  # from a Sunday, two weeks
    ],
)
def test_add_working_days_skips_weekends(start, n, expected):
    assert add_working_days(start, n) == expected


def test_overdue_once_the_nth_working_day_has_passed():
    assert not is_follow_up_overdue(FRIDAY, date(2026, 3, 13), 5)  # due Friday next week
    assert is_follow_up_overdue(FRIDAY, date(2026, 3, 14), 5)


@pytest.mark.parametrize("today", [date(2026, 3, d) for d in range(1, 32)])
@pytest.mark.parametrize("n", [0, 1, 5, 10])
def test_overdue_before_agrees_with_the_rule(today, n):
    cutoff = overdue_before(today, n)
    for back in range(0, 30):
        contact = today - timedelta(days=back)
        assert is_follow_up_overdue(contact, today, n) == (contact < cutoff), (contact, today, n)


class HolidayCalendar:
    def __init__(self, holidays):
        self.holidays = set(holidays)

    def is_working_day(self, day):
        return day.weekday() < 5 and day not in self.holidays


def test_a_region_calendar_can_add_holidays():
    calendar = HolidayCalendar({date(2026, 10, d) for d in range(1, 8)})  # National Day week
    assert add_working_days(date(2026, 9, 30), 1, calendar) == date(2026, 10, 8)
    with pytest.raises(ValueError):
        add_working_days(MONDAY, -1)


def test_region_calendar_skips_holidays_and_counts_make_up_weekends():
    national_day = {date(2025, 10, d): False for d in range(1, 9)}
    calendar = RegionCalendar({**national_day, date(2025, 9, 28): True, date(2025, 10, 11): True})
    assert add_working_days(date(2025, 9, 30), 3, calendar) == date(2025, 10, 11)
    assert calendar.is_working_day(date(2025, 9, 28))  # a Sunday
    assert not calendar.is_working_day(date(2025, 10, 8))  # a Wednesday
    assert calendar.is_working_day(date(2025, 10, 13))  # unlisted Monday
    assert not calendar.is_working_day(date(2025, 10, 12))  # unlisted Sunday


@pytest.mark.parametrize(
    "today", [date(2025, 9, d) for d in range(25, 31)] + [date(2025, 10, d) for d in range(1, 20)]
)
@pytest.mark.parametrize("n", [1, 3, 5])
def test_overdue_before_agrees_with_the_rule_across_a_holiday(today, n):
    national_day = {date(2025, 10, d): False for d in range(1, 9)}
    calendar = RegionCalendar({**national_day, date(2025, 9, 28): True, date(2025, 10, 11): True})
    cutoff = overdue_before(today, n, calendar)
    for back in range(0, 30):
        contact = today - timedelta(days=back)
        assert is_follow_up_overdue(contact, today, n, calendar) == (contact < cutoff), (contact, today, n)
