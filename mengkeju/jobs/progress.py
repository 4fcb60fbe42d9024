"""Jobs a person watches: a `JobRun` row per job, progress written while the job works, the outcome.

`@tracked_job()` turns `func(progress, run_id, *args)` into a background job whose first argument is a
JobRun id: it marks the run as running, calls `func` (in one transaction unless `atomic=False`), and
records the result, or the error in plain words. `progress.update(done, total, message)` is what the
job's code calls as it goes.

Where progress is written, and when a watcher sees it:

- Outside a transaction (a job that validates before it writes, or commits in chunks), on the job's
  own connection: seen at once, on every database.
- Inside the job's transaction on PostgreSQL: on a second connection (autocommit, `lock_timeout` 2 s),
  so it is seen at once although the job's work is not committed yet. The job never writes its own
  JobRun row inside its transaction, so the two connections never wait for each other.
- Inside the job's transaction on SQLite: SQLite has one writer at a time and the job's transaction
  holds it (measured: a second connection waits out its busy timeout and fails with "database is
  locked"), so progress is written on the job's connection and seen when the transaction commits.
  Jobs therefore check their input outside the transaction and write in it, as short as it can be.

Progress is best effort: a failure to record it is logged and never fails the job. Writes are
throttled to one per `EVERY` seconds, plus every change of message.

The user-facing jobs are not retried: a person is watching; they read the error and try again.
An expected refusal (ValidationError, PermissionDenied, a rejected import) marks the run failed with
its message and ends the task normally; anything else is recorded as "failed unexpectedly" for the
person (the exception for admins, the traceback in the task result) and re-raised.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core.jobs import job
from mengkeju.core.tabular import ImportRejected, ImportReport

from .models import JobFile, JobRun

log = logging.getLogger(__name__)

EVERY = 0.5  # seconds between progress writes (a message change is written at once)
MAX_PROBLEMS_KEPT = 1000


def report_dict(report: ImportReport) -> dict:
    """An import report as JSON for JobRun.result: counts and the rejected rows (row, column, reason)."""
    problems = sorted(report.problems, key=lambda p: (p.row, p.column))
    return {
        "source": report.source,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected_rows": report.rejected_rows,
        "problems": [
            {"row": p.row, "column": p.column, "message": str(p.message)}
            for p in problems[:MAX_PROBLEMS_KEPT]
        ],
        "problems_not_shown": max(0, len(problems) - MAX_PROBLEMS_KEPT),
    }


class Progress:
    """What a job calls to say how far it got: `update(done, total, message)`."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self._second = None
        self._last_write = 0.0
        self._last_message = None
        self.writes = 0

    def update(self, done: int, total: int | None = None, message: str | None = None, *, force=False) -> None:
        now = time.monotonic()
        if not force and message == self._last_message and now - self._last_write < EVERY:
            return
        values = {"done": max(0, int(done)), "updated_at": timezone.now()}
        if total is not None:
            values["total"] = max(0, int(total))
        if message is not None:
            values["message"] = str(message)[:255]
        try:
            self._write(values)
        except Exception:  # progress is best effort: never fail the job over it
            log.warning("job run %s: progress not recorded", self.run_id, exc_info=True)
        self._last_write, self._last_message = now, message

    def _write(self, values: dict) -> None:
        rows = JobRun.objects.filter(pk=self.run_id)
        if connection.in_atomic_block and connection.vendor == "postgresql":
            second = self._second_connection()
            with second.cursor() as cursor:
                sql, params = _update_sql(values, self.run_id)
                cursor.execute(sql, params)
                if cursor.rowcount:
                    self.writes += 1
                    return
            # Not visible from outside: the run was created in a transaction still open (a test's).
        rows.update(**values)
        self.writes += 1

    def _second_connection(self):
        if self._second is None:
            self._second = connections.create_connection(connection.alias)
            self._second.ensure_connection()
            with self._second.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
        return self._second

    def close(self) -> None:
        if self._second is not None:
            self._second.close()
            self._second = None


def _update_sql(values: dict, run_id: int) -> tuple[str, list]:
    table = connection.ops.quote_name(JobRun._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
    return f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), run_id]


def _finish(run_id: int, **values) -> None:
    now = timezone.now()
    JobRun.objects.filter(pk=run_id).update(finished_at=now, updated_at=now, **values)
    JobFile.objects.filter(run_id=run_id).delete()  # the upload is not kept once its job has run


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


def tracked_job(*, atomic: bool = True, priority: int = 0):
    def wrap(func):
        @functools.wraps(func)
        def run(run_id: int, *args, **kwargs):
            JobRun.objects.filter(pk=run_id).update(
                status=JobRun.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
            )
            progress = Progress(run_id)
            try:
                if atomic:
                    with transaction.atomic():
                        result = func(progress, run_id, *args, **kwargs)
                else:
                    result = func(progress, run_id, *args, **kwargs)
            except ImportRejected as exc:
                _finish(
                    run_id,
                    status=JobRun.Status.FAILED,
                    result={"report": report_dict(exc.report)},
                    error=_("The file was not imported; nothing was changed."),
                )
                return None
            except (ValidationError, PermissionDenied) as exc:
                _finish(run_id, status=JobRun.Status.FAILED, error=_refusal_text(exc))
                return None
            except Exception as exc:
                _finish(
                    run_id,
                    status=JobRun.Status.FAILED,
                    error=_("The job failed unexpectedly and nothing was changed. Headquarters can see why."),
                    error_detail=f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"[:2000],
                )
                raise
            finally:
                progress.close()
            _finish(run_id, status=JobRun.Status.DONE, result=result or {}, done=F("total"))
            return result

        return job(retries=0, atomic=False, priority=priority)(run)

    return wrap


@transaction.atomic
def enqueue(task, *, kind: str, label: str, by, organization=None, options=None, upload=None) -> JobRun:
    """Create the JobRun (storing the upload privately, in the database) and enqueue `task(run_id)`.
    The database task backend writes the task in this same transaction: the worker sees both or
    neither."""
    run = JobRun.objects.create(
        kind=kind,
        label=label[:255],
        started_by=by if by is not None and by.is_authenticated else None,
        organization=organization,
        options=options or {},
        message=_("Waiting for the worker …"),
    )
    if upload is not None:
        name, content = upload
        JobFile.objects.create(run=run, name=name[:255], content=content)
    result = task.enqueue(run.pk)
    run.task_id = str(result.id)
    JobRun.objects.filter(pk=run.pk, status=JobRun.Status.QUEUED).update(task_id=run.task_id)
    return run


def upload_of(run_id: int) -> tuple[str, bytes]:
    upload = JobFile.objects.get(run_id=run_id)
    return upload.name, bytes(upload.content)
