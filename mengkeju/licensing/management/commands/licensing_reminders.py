"""The daily licensing job: trial-end reminders, expiries, minimum-royalty settlements, overdue notices.

Run once a day (cron/systemd timer): `mengkeju licensing-reminders`. Safe to run more often or twice:
each reminder is sent once and each step only acts on what is due. `--date` replays a given day.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from mengkeju.core import clock
from mengkeju.licensing import services


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
        reminders = services.send_trial_reminders(today)
        expired = services.expire_licences(today)
        top_ups = services.settle_minimum_royalties(today)
        overdue = services.send_overdue_notices(today)
        self.stdout.write(
            f"{today.isoformat()}: {len(reminders)} reminder(s) sent, {len(expired)} licence(s) expired, "
            f"{len(top_ups)} minimum-royalty top-up(s) scheduled, {len(overdue)} overdue notice(s) sent"
        )
