"""The daily licensing job as a background job (scheduled by `mengkeju worker`, see settings.JOBS_SCHEDULE)."""

from __future__ import annotations

from datetime import date

from mengkeju.core import clock
from mengkeju.core.jobs import job

from . import services


def run_daily(today: date) -> dict:
    """Trial reminders, expiries, minimum-royalty settlements and overdue notices due on `today`.
    Safe to run twice: each step only acts on what is due and each reminder is sent once."""
    return {
        "reminders": len(services.send_trial_reminders(today)),
        "expired": len(services.expire_licences(today)),
        "top_ups": len(services.settle_minimum_royalties(today)),
        "overdue": len(services.send_overdue_notices(today)),
    }


@job(retries=3, backoff=300)
def daily(day: str | None = None) -> dict:
    today = date.fromisoformat(day) if day else clock.local_date()
    return {"date": today.isoformat(), **run_daily(today)}
