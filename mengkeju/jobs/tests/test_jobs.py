"""The job system: retries with back-off, the daily schedule, /healthz, /jobs/ and the worker command."""

import os
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mengkeju.core import clock
from mengkeju.core.jobs import job
from mengkeju.jobs import schedule
from mengkeju.jobs.models import ScheduledRun
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CALLS = []


@job(retries=2, backoff=60)
def flaky(name: str) -> str:
    """Creates an organization, then fails the first time: the failed attempt must leave nothing."""
    CALLS.append(name)
    OrganizationFactory(name=f"{name}-{len(CALLS)}")
    if len(CALLS) == 1:
        raise RuntimeError("the mail server is down")
    return "done"


def test_a_failed_job_leaves_no_data_and_is_retried_later_with_back_off(job_queue):
    CALLS.clear()
    flaky.enqueue("job-org")
    before = timezone.now()
    job_queue()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "the mail server is down" in failed.traceback
    assert not Organization.objects.filter(name__startswith="job-org").exists()  # rolled back
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after >= before + timedelta(seconds=59)  # back-off: not before a minute
    assert retry.args_kwargs == {"args": ["job-org"], "kwargs": {"_attempt": 2}}
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    job_queue()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    assert Organization.objects.filter(name="job-org-2").exists()


def test_the_daily_schedule_enqueues_each_job_once_a_day(settings, job_queue):
    settings.JOBS_SCHEDULE = [
        {"name": "licensing-daily", "task": "mengkeju.licensing.tasks.daily", "at": "01:30"}
    ]
    tz = clock.region_timezone()
    assert schedule.tick(datetime(2026, 12, 7, 1, 0, tzinfo=tz)) == []  # not due yet
    assert schedule.tick(datetime(2026, 12, 7, 1, 31, tzinfo=tz)) == ["licensing-daily"]
    assert schedule.tick(datetime(2026, 12, 7, 9, 0, tzinfo=tz)) == []  # once a day
    assert schedule.tick(datetime(2026, 12, 8, 2, 0, tzinfo=tz)) == ["licensing-daily"]
    assert list(ScheduledRun.objects.order_by("period").values_list("period", flat=True)) == [
        "2026-12-07",
        "2026-12-08",
    ]
    queued = DBTaskResult.objects.order_by("enqueued_at").first()
    assert queued.task_path == "mengkeju.licensing.tasks.daily"
    assert queued.args_kwargs["args"] == ["2026-12-07"]
    job_queue()
    assert DBTaskResult.objects.get(pk=queued.pk).status == "SUCCESSFUL"


def test_a_job_left_running_by_a_killed_worker_is_queued_again():
    import socket
    import subprocess

    from mengkeju.jobs import recovery

    gone = subprocess.Popen(["true"])
    gone.wait()  # a worker process that no longer exists
    host = socket.gethostname()
    killed = flaky.enqueue("orphan")
    alive = flaky.enqueue("busy")
    elsewhere = flaky.enqueue("other-host")
    for result, claimer in (
        (killed, f"{host}-{gone.pid}"),
        (alive, f"{host}-{os.getppid()}"),
        (elsewhere, f"another-host-{gone.pid}"),
    ):
        DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=[claimer])
    assert recovery.requeue_orphans() == 1
    statuses = {str(r.pk): r.status for r in DBTaskResult.objects.all()}
    assert statuses[killed.id] == "READY"
    assert statuses[alive.id] == statuses[elsewhere.id] == "RUNNING"
