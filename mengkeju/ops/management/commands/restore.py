import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mengkeju.ops import services


class Command(BaseCommand):
    help = (
        "Restore an archive written by `mengkeju backup`: checks it, migrates, replaces every row in one "
        "transaction, then the uploaded files, the embedding cache and the search index."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive written by `mengkeju backup`")
        parser.add_argument("--yes", action="store_true", help="replace the current data without asking")
        parser.add_argument("--database", default="default")

    def handle(self, path, yes, database, **options):
        try:
            self.stdout.write(_("Checking %(path)s …") % {"path": path})
            manifest = services.verify(path)
            rows = sum(manifest["counts"].values())
            self.stdout.write(
                _(
                    "Backup of %(created)s (%(vendor)s, Mengkeju %(version)s): %(rows)s rows, checksums correct."
                )
                % {
                    "created": manifest["created_at"],
                    "vendor": manifest["database"],
                    "version": manifest["mengkeju"],
                    "rows": rows,
                }
            )
            if not yes:
                self._confirm()
            counts = services.restore(path, manifest=manifest, using=database, progress=self.stdout.write)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Rows per model (restored / in the backup):"))
        for name, n in sorted(counts.items()):
            if n or manifest["counts"][name]:
                self.stdout.write(f"  {name}: {n} / {manifest['counts'][name]}")
        self.stdout.write(self.style.SUCCESS(_("Restored: every count matches the backup.")))

    def _confirm(self):
        question = _(
            "This replaces ALL data, uploaded files and the search index of this installation. "
            "Type 'yes' to go on: "
        )
        if not sys.stdin.isatty():
            raise CommandError(_("Not confirmed (no terminal): add --yes to restore without asking."))
        if input(question).strip().lower() != "yes":
            raise CommandError(_("Restore cancelled; nothing was changed."))
