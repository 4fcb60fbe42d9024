from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from mengkeju.catalog.importing import ImportRejected, import_file
from mengkeju.catalog.models import Status


def _count_rows(path: Path) -> int | None:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".csv") and path.is_file():
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip()) - (1 if path.suffix.lower() == ".csv" else 0)
    return None


class Command(BaseCommand):
    help = (
        "Import achievements or demands from .jsonl/.json/.csv/.xlsx. All or nothing per file: any bad row "
        "rejects the file with a row-by-row report. Re-importing updates changed rows only."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files to import")
        parser.add_argument(
            "--kind",
            choices=["achievements", "demands", "auto"],
            default="auto",
            help="what the files hold (auto: from the file name)",
        )
        parser.add_argument(
            "--source", default="import", help="label for where the rows come from; ids are unique per source"
        )
        parser.add_argument("--division", help="division code for rows that name none (default: the region)")
        parser.add_argument("--owner", help="organization code for rows that name none")
        parser.add_argument("--status", choices=[Status.PUBLISHED, Status.DRAFT], default=Status.PUBLISHED)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the valid rows and list the rejected ones (default: reject the whole file)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, paths, kind, source, division, owner, status, skip_invalid, no_progress, **options):
        for name in paths:
            path = Path(name)
            file_kind = kind
            if file_kind == "auto":
                stem = path.stem.lower()
                if "achiev" in stem or "成果" in stem:
                    file_kind = "achievements"
                elif "demand" in stem or "需求" in stem:
                    file_kind = "demands"
                else:
                    raise CommandError(
                        _("Cannot tell whether %(path)s holds achievements or demands; use --kind.")
                        % {"path": path}
                    )
            bar = tqdm(total=_count_rows(path), desc=path.name, unit=" rows", disable=no_progress)
            try:
                report = import_file(
                    path,
                    file_kind.rstrip("s"),
                    source=source,
                    default_division=division,
                    default_owner=owner,
                    status=status,
                    skip_invalid=skip_invalid,
                    progress=bar.update,
                )
            except ImportRejected as exc:
                bar.close()
                raise CommandError(str(exc)) from exc
            bar.close()
            for problem in report.problems:
                self.stderr.write(_("rejected: %(problem)s") % {"problem": problem})
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(path)s: %(rows)s rows — %(created)s created, %(updated)s updated, "
                        "%(unchanged)s unchanged, %(rejected)s rejected"
                    )
                    % {
                        "path": path,
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "rejected": report.rejected_rows,
                    }
                )
            )
