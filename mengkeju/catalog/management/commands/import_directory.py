from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mengkeju.catalog.directory_importing import import_upload
from mengkeju.core.tabular import ImportRejected


class Command(BaseCommand):
    help = (
        "Import experts, innovation platforms or services from .csv/.xlsx. All or nothing per file: any bad "
        "row rejects the file with a row-by-row report. Re-importing updates changed rows only."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files to import")
        parser.add_argument(
            "--kind", choices=["experts", "platforms", "services"], required=True, help="what the files hold"
        )

    def handle(self, paths, kind, **options):
        for name in paths:
            path = Path(name)
            if not path.is_file():
                raise CommandError(_("%(path)s: file not found") % {"path": path})
            try:
                report = import_upload(path.read_bytes(), str(path), kind.rstrip("s"), operator=True)
            except ImportRejected as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(path)s: %(rows)s rows — %(created)s created, %(updated)s updated, %(unchanged)s unchanged"
                    )
                    % {
                        "path": path,
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    }
                )
            )
