import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from mengkeju.matching.adapter import MODELS, _published, duplicate_groups


class Command(BaseCommand):
    help = "List published achievements or demands that are near-copies of each other (for clean-up)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["achievement", "demand"], default="achievement")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="resemblance of character 3-grams, 0–1 (default 0.8)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, kind, threshold, no_progress, **options):
        if threshold is not None and not 0 < threshold <= 1:
            raise CommandError(_("The threshold must be greater than 0 and at most 1."))
        started = time.perf_counter()
        with tqdm(total=_published(kind).count(), desc=f"{kind}s", disable=no_progress) as bar:
            groups = duplicate_groups(kind, threshold, progress=bar.update)
        titles = dict(
            MODELS[kind]
            .objects.filter(pk__in=[pk for g in groups for pk, _r in g])
            .values_list("pk", "title")
        )
        for number, group in enumerate(groups, 1):
            self.stdout.write(f"[{number}]")
            for pk, alike in group:
                self.stdout.write(f"  {pk:>7}  {alike:.2f}  {titles.get(pk, '')}")
        records = sum(len(g) for g in groups)
        self.stdout.write(
            _("near-duplicate groups: %(groups)d, records: %(records)d (%(seconds).1f s)")
            % {"groups": len(groups), "records": records, "seconds": time.perf_counter() - started}
        )
