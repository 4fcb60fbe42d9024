from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mengkeju.core.views import error_text
from mengkeju.network.models import IndustryChain
from mengkeju.points.services import recompute_scores


class Command(BaseCommand):
    help = "Recompute the innovation points of a cohort (year, optionally chain and size class)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--chain", default="", help="industry chain code")
        parser.add_argument("--size-class", default="")

    def handle(self, year, chain, size_class, **options):
        chain_obj = IndustryChain.objects.filter(code=chain).first() if chain else None
        if chain and chain_obj is None:
            raise CommandError(f"unknown chain {chain!r}")
        try:
            run = recompute_scores(year, chain=chain_obj, size_class=size_class)
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from exc
        self.stdout.write(f"{run.cohort_key}: {run.enterprises} enterprises scored")
