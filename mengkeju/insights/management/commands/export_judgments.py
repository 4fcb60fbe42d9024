from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mengkeju.insights import judgments


class Command(BaseCommand):
    help = (
        "Export the network's own outcomes (recommendations shown, opened, inquired about, turned into deals "
        "and registered contracts) as relevance judgments: corpus.jsonl, queries.jsonl and qrels.tsv for "
        "`mengkeju eval-matching`, and judgments.xlsx for analysis."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="folder to write into (created if missing)")

    def handle(self, folder: Path, **options):
        if folder.exists() and not folder.is_dir():
            raise CommandError(_("%(path)s is a file, not a folder.") % {"path": folder})
        counts = judgments.export(folder)
        self.stdout.write(
            _(
                "%(judgments)d judged pairs (%(positive)d with an action), %(queries)d demands, "
                "%(documents)d achievements written to %(folder)s"
            )
            % {**counts, "folder": folder}
        )
        if counts["positive"]:
            self.stdout.write(
                "mengkeju eval-matching "
                f"--corpus {folder / 'corpus.jsonl'} --queries {folder / 'queries.jsonl'} --qrels {folder / 'qrels.tsv'}"
            )
