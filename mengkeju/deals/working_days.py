"""Working-day arithmetic for follow-up deadlines. Pure functions; the calendar is a seam.

The default calendar counts Monday to Friday. A region that wants public holidays and the
make-up working weekends (调休) passes its own `WorkingCalendar` (anything with `is_working_day`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class WeekdayCalendar:
    """Monday–Friday are working days; no holiday list."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


WEEKDAYS = WeekdayCalendar()


def add_working_days(start: date, n: int, calendar: WorkingCalendar = WEEKDAYS) -> date:
    """The date `n` working days after `start` (`start` itself is not counted). n=0 gives `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def is_follow_up_overdue(
    last_contact_on: date, today: date, n: int, calendar: WorkingCalendar = WEEKDAYS
) -> bool:
    """Overdue once the whole of the n-th working day after the last contact has passed."""
    return today > add_working_days(last_contact_on, n, calendar)


def overdue_before(today: date, n: int, calendar: WorkingCalendar = WEEKDAYS) -> date:
    """The earliest last-contact date that is *not* overdue today.

    A record whose last contact fell before this date is overdue, so a query can filter on it.
    The due date grows with the contact date, hence the search back from today.
    """
    day = today
    while is_follow_up_overdue(day - timedelta(days=1), today, n, calendar) is False:
        day -= timedelta(days=1)
    return day
