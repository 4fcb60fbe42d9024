"""Working-day arithmetic for follow-up deadlines. Pure functions; the calendar is a seam.

The default calendar counts Monday to Friday. `RegionCalendar` adds the public holidays and the
make-up working weekends (调休) of the region pack's calendar.yaml (`selectors.region_calendar()`
reads them); any object with `is_working_day` will do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Protocol


class WorkingCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class WeekdayCalendar:
    """Monday–Friday are working days; no holiday list."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


WEEKDAYS = WeekdayCalendar()


class RegionCalendar:
    """Monday–Friday, except the listed days: `exceptions` maps a day to whether it is a working day
    (False: a public holiday; True: a make-up working day on a weekend). Days not listed, including
    whole years the region has not published, follow the Monday–Friday rule."""

    def __init__(self, exceptions: Mapping[date, bool]):
        self.exceptions = dict(exceptions)

    def is_working_day(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)


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


def working_days_left(today: date, due: date, calendar: WorkingCalendar = WEEKDAYS) -> int:
    """Working days from `today` (not counted) to `due` (counted): 0 on the due day itself, and
    negative once it has passed (minus the working days overdue)."""
    if due >= today:
        return sum(
            1 for k in range(1, (due - today).days + 1) if calendar.is_working_day(today + timedelta(days=k))
        )
    return -sum(1 for k in range(0, (today - due).days) if calendar.is_working_day(today - timedelta(days=k)))
