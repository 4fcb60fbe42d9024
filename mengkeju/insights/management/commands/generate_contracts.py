from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mengkeju.insights.synthetic import generate_registered_contracts


class Command(BaseCommand):
    help = "Generate registered technical contracts (made up) for dashboards, demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--first-year", type=int, default=2021)
        parser.add_argument("--last-year", type=int, default=2025)
        parser.add_argument("--no-parties", action="store_true", help="registrations only (faster)")

    def handle(self, *args, count, seed, first_year, last_year, no_parties, **options):
        if count < 1 or first_year > last_year:
            raise CommandError("count must be positive and --first-year ≤ --last-year")
        with tqdm(total=count, desc="contracts", unit=" contracts") as bar:
            try:
                made = generate_registered_contracts(
                    count,
                    seed=seed,
                    first_year=first_year,
                    last_year=last_year,
                    with_parties=not no_parties,
                    progress=bar.update,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"generated {made} registered contracts"))
