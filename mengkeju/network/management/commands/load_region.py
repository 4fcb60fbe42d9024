from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mengkeju.network.region_pack import RegionPackError
from mengkeju.network.services import load_region_pack


class Command(BaseCommand):
    help = (
        "Validate and load a region pack folder "
        "(region.yaml, divisions.yaml, chains.yaml, network.yaml, optional calendar.yaml)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder of the region pack, e.g. regions/inner-mongolia")

    def handle(self, path, **options):
        try:
            report = load_region_pack(path)
        except RegionPackError as exc:
            lines = [_("The region pack was rejected; nothing was loaded:")] + [
                f"  {p}" for p in exc.problems
            ]
            raise CommandError("\n".join(lines)) from exc
        for outcome in ("created", "updated", "unchanged", "removed"):
            counts = getattr(report, outcome)
            if counts:
                parts = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
                self.stdout.write(f"{outcome}: {parts}")
        for notice in report.notices:
            self.stdout.write(self.style.WARNING(notice))
        self.stdout.write(
            self.style.SUCCESS(_("Region pack loaded.") if report.changed else _("Already up to date."))
        )
