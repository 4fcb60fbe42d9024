"""Bulk imports of achievements/demands from the HQ page, as background jobs watched on /jobs/<id>/:
`start_bulk_import` (the service a view calls) enqueues `import_listings` (run by the worker)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from mengkeju.core.tabular import suffix_of
from mengkeju.jobs import progress as jobs
from mengkeju.jobs.models import JobRun

from . import permissions
from .importing import count_rows, import_file


# Not one transaction around the job: import_file checks every row first (progress is seen as it
# goes, on SQLite too) and writes them all in one transaction (bulk_upsert_listings), all or nothing.
@jobs.tracked_job(atomic=False)
def import_listings(progress, run_id: int) -> dict:
    options = JobRun.objects.get(pk=run_id).options
    name, content = jobs.upload_of(run_id)
    with tempfile.TemporaryDirectory(prefix="mengkeju-import-") as folder:
        path = Path(folder) / f"upload.{suffix_of(name)}"
        path.write_bytes(content)
        total = count_rows(path) or 0
        checking = _("Checking the rows …")
        seen = 0

        def row_read(n: int = 1) -> None:
            nonlocal seen, total
            seen += n
            total = max(total, seen)
            progress.update(seen, total + 1, checking)  # the last step is writing

        progress.update(0, total + 1, checking, force=True)
        report = import_file(
            path,
            options["kind"],
            source=options["source"],
            status=options["status"],
            skip_invalid=options["skip_invalid"],
            progress=row_read,
            on_write=lambda n: progress.update(
                seen, total + 1, _("Writing %(n)s rows …") % {"n": n}, force=True
            ),
        )
    report.source = name
    return {"report": jobs.report_dict(report)}


def start_bulk_import(upload, *, kind: str, status: str, skip_invalid: bool, source: str, by):
    """Keep the uploaded file privately and import it in the background (import_listings),
    as `mengkeju import` does: all or nothing per file unless `skip_invalid`."""
    if not permissions.can_bulk_import(by):
        raise PermissionDenied(_("Only headquarters imports achievement and demand files."))
    return jobs.enqueue(
        import_listings,
        kind=JobRun.Kind.CATALOG_IMPORT,
        label=upload.name,
        by=by,
        options={"kind": kind, "status": status, "skip_invalid": skip_invalid, "source": source},
        upload=(upload.name, upload.read()),
    )
