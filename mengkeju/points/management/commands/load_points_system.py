from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mengkeju.network.region_pack import RegionPackError
from mengkeju.points.services import load_points_system


class Command(BaseCommand):
    help = "Validate and load the innovation-points indicator system (points.yaml of a region pack)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="region pack folder (or its points.yaml), e.g. regions/inner-mongolia"
        )

    def handle(self, path, **options):
        try:
            outcome = load_points_system(path)
        except RegionPackError as exc:
            lines = [_("The indicator system was rejected; nothing was loaded:")] + [
                f"  {p}" for p in exc.problems
            ]
            raise CommandError("\n".join(lines)) from exc
        for year, result in sorted(outcome.items()):
            self.stdout.write(f"{year}: {result}")
