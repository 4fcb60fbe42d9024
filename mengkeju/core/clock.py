"""The region clock. Dates that rules depend on (deadlines, due dates, registration days, "today")
are calendar dates in the region's time zone, which the region pack declares (`timezone`).

The network app tells the clock where the region's time zone comes from at start-up
(`set_timezone_source`); until then, and when no region is loaded, `settings.TIME_ZONE` applies.
Services take `now=None` / `today=None` and ask the clock only when the caller passed nothing, so
tests pass fixed moments.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

_timezone_source: Callable[[], str | None] | None = None


def set_timezone_source(source: Callable[[], str | None] | None) -> None:
    """Register the function that names the region's time zone (None when no region is loaded)."""
    global _timezone_source
    _timezone_source = source


def region_timezone() -> zoneinfo.ZoneInfo:
    name = _timezone_source() if _timezone_source else None
    return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)


def now() -> datetime:
    """The current moment (aware, UTC inside; convert with `localtime` to show it)."""
    return timezone.now()


def localtime(moment: datetime | None = None) -> datetime:
    """The moment in the region's time zone."""
    return timezone.localtime(moment or timezone.now(), region_timezone())


def local_date(moment: datetime | None = None) -> date:
    """The calendar date in the region's time zone (Asia/Shanghai for the shipped pack)."""
    return localtime(moment).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in the region's time zone."""
    return datetime.combine(day, datetime.min.time(), tzinfo=region_timezone())
