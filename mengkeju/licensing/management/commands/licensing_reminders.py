"""The daily licensing job: trial-end reminders, expiries, minimum-royalty settlements, overdue notices.

`mengkeju worker` runs it every day (settings.JOBS_SCHEDULE, no cron needed); this command runs it by
hand. Safe to run more often or twice: each reminder is sent once and each step only acts on what is
due. `--date` replays a given day.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from mengkeju.core import clock
from mengkeju.licensing.tasks import run_daily


class Command(BaseCommand):
    help = (
        "Send use-first-pay-later trial reminders, expire ended licences, settle minimum royalties and "
        "tell the parties about overdue payments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as if today were this day (YYYY-MM-DD)")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options.get("date") else clock.local_date()
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from None
        done = run_daily(today)
        self.stdout.write(
            f"{today.isoformat()}: {done['reminders']} reminder(s) sent, {done['expired']} licence(s) expired, "
            f"{done['top_ups']} minimum-royalty top-up(s) scheduled, {done['overdue']} overdue notice(s) sent"
        )
