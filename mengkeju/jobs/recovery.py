"""Jobs a killed worker left behind: django-tasks' database backend marks a job RUNNING when a worker
claims it and nothing else ever changes it if that worker is killed (kill -9, a lost machine). Jobs run
in one transaction (`core.jobs.job`), so a killed attempt wrote nothing: it is safe to run it again.

A worker id is `<host>-<pid>`: on start, a worker requeues RUNNING jobs claimed on its own host by a
process that no longer exists; `requeue_stale` does the same for any host after a long silence."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned(host: str | None = None) -> list[DBTaskResult]:
    """RUNNING jobs whose last claim was made on `host` by a process that is gone."""
    host = host or socket.gethostname()
    found = []
    for result in DBTaskResult.objects.running():
        claimed_by = (result.worker_ids or [""])[-1]
        name, _sep, pid = claimed_by.rpartition("-")
        if name == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            found.append(result)
    return found


def requeue(results: list[DBTaskResult]) -> int:
    """Put jobs back in the queue (READY, to run now)."""
    ids = [r.pk for r in results]
    if not ids:
        return 0
    count = DBTaskResult.objects.filter(pk__in=ids, status="RUNNING").update(
        status="READY", started_at=None, run_after=timezone.now()
    )
    log.warning("requeued %d job(s) left running by a worker that is gone: %s", count, ids)
    return count


def requeue_orphans() -> int:
    return requeue(orphaned())


def requeue_stale(older_than: timedelta = timedelta(hours=6)) -> int:
    """RUNNING jobs started more than `older_than` ago on any host (a machine that never came back)."""
    stale = list(DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - older_than))
    return requeue(stale)
