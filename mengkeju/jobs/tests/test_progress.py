"""Jobs a person watches: the JobRun, progress written while the job's transaction is open, the
outcome in plain words, and who may open /jobs/<id>/."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mengkeju.jobs import progress as jobs
from mengkeju.jobs.models import JobRun
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory

SEEN_FROM_OUTSIDE = []


@jobs.tracked_job()
def counting(progress, run_id: int, steps: int) -> dict:
    """Writes an organization (the job's transaction is open), reports progress, and reads its own
    JobRun from another connection, as the web process would."""
    OrganizationFactory(name="counted")
    for step in range(1, steps + 1):
        progress.update(step, steps, f"step {step}", force=True)
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT done, message FROM jobs_jobrun WHERE id = %s", [run_id])
                SEEN_FROM_OUTSIDE.append(cursor.fetchone())
        finally:
            other.close()
    return {"steps": steps}


@jobs.tracked_job()
def refusing(progress, run_id: int) -> None:
    OrganizationFactory(name="refused")
    raise ValidationError("没有可做的事")


@jobs.tracked_job()
def breaking(progress, run_id: int) -> None:
    OrganizationFactory(name="broken")
    raise KeyError("secret-internal-detail")


def start(task, by=None, *args):
    run = jobs.enqueue(task, kind=JobRun.Kind.CATALOG_IMPORT, label="test", by=by)
    if args:  # enqueue sends only the run id; these test jobs take more
        DBTaskResult.objects.filter(pk=run.task_id).update(
            args_kwargs={"args": [run.pk, *args], "kwargs": {}}
        )
    return run


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_from_another_connection_while_the_job_transaction_is_open(job_queue, base_data):
    """PostgreSQL: written on a second connection, so the web process sees it before the job commits.
    SQLite has one writer at a time (a second connection fails with "database is locked" while the job's
    transaction holds it), so there it is written in the job's transaction and seen at commit."""
    SEEN_FROM_OUTSIDE.clear()
    run = start(counting, None, 3)
    job_queue()
    run.refresh_from_db()
    assert run.status == "done" and (run.done, run.total, run.message) == (3, 3, "step 3")
    assert run.result == {"steps": 3} and Organization.objects.filter(name="counted").exists()
    if connection.vendor == "postgresql":
        assert SEEN_FROM_OUTSIDE == [(3, "step 3")]
    else:
        assert SEEN_FROM_OUTSIDE == []


@pytest.mark.django_db
def test_a_refusal_rolls_back_and_is_shown_in_plain_words(client, people, job_queue):
    run = start(refusing, people["owner"])
    job_queue()
    run.refresh_from_db()
    assert (run.status, run.error, run.error_detail) == ("failed", "没有可做的事", "")
    assert not Organization.objects.filter(name="refused").exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"  # the person's answer, not a broken job


@pytest.mark.django_db
def test_an_unexpected_error_rolls_back_hides_the_detail_from_the_person_and_shows_it_to_hq(
    client, people, job_queue
):
    run = start(breaking, people["owner"])
    job_queue()
    run.refresh_from_db()
    assert run.status == "failed" and "secret-internal-detail" in run.error_detail
    assert not Organization.objects.filter(name="broken").exists()
    assert DBTaskResult.objects.get().status == "FAILED"  # counted by /healthz; traceback in the result
    assert DBTaskResult.objects.count() == 1  # a watched job is not retried behind the person's back
    client.force_login(people["owner"])
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert 'id="job-error"' in page and "意外失败" in page
    assert "secret-internal-detail" not in page and "Traceback" not in page
    client.force_login(people["hq_operator"])
    assert "secret-internal-detail" in client.get(reverse("jobs:run", args=[run.pk])).content.decode()


def test_progress_writes_are_throttled_but_a_new_message_is_written_at_once(db, monkeypatch):
    run = JobRun.objects.create(kind=JobRun.Kind.CATALOG_IMPORT)
    progress = jobs.Progress(run.pk)
    for done in range(100):
        progress.update(done, 100, "checking")
    progress.update(100, 100, "writing")
    run.refresh_from_db()
    assert progress.writes == 2 and (run.done, run.message) == (100, "writing")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("owner", 200),  # who started it
        ("other_member", 403),
        ("expert", 403),
        ("staff_in_scope", 403),
        ("staff_out_of_scope", 403),
        ("broker_in_scope", 403),
        ("hq_operator", 200),
        ("platform_admin", 200),
    ],
)
def test_who_may_watch_a_job(client, people, who, status):
    run = JobRun.objects.create(
        kind=JobRun.Kind.POINTS_IMPORT, label="创新积分.xlsx", started_by=people["owner"], total=10, done=4
    )
    if people[who]:
        client.force_login(people[who])
    page = client.get(reverse("jobs:run", args=[run.pk]))
    fragment = client.get(reverse("jobs:run-progress", args=[run.pk]))
    assert page.status_code == fragment.status_code == status
    if status == 302:
        assert page["Location"].startswith("/accounts/login/")
    if status == 200:
        body = fragment.content.decode()
        assert 'style="width: 40%"' in body and 'hx-get="/jobs/' in body
    jobs_page = client.get("/jobs/")
    if status == 200 and who != "owner":
        assert f'data-run="{run.pk}"' in jobs_page.content.decode()  # HQ lists recent runs


@pytest.mark.django_db
def test_a_job_that_does_not_exist_is_404(client, people):
    client.force_login(people["hq_operator"])
    assert client.get(reverse("jobs:run", args=[999999])).status_code == 404
