"""The points import and recomputation from the pages run as background jobs: the page keeps the
upload and redirects to /jobs/<id>/, the worker does the work, the page shows the outcome."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mengkeju.jobs.models import JobFile, JobRun
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import UserFactory

from ..models import EnterpriseYear, ScoreRun
from .factories import enterprise, filled_workbook
from .test_bad_input import YEAR, nothing_written, row

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def company(points_system):
    org = enterprise()
    return org, UserFactory(role=User.Role.MEMBER, organization=org)


@pytest.fixture
def hq(points_system):
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(kind="headquarters"))


def upload(client, content, name="创新积分.xlsx", year=YEAR):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("points:import"), {"year": year, "file": SimpleUploadedFile(name, content, content_type=XLSX)}
    )


def test_an_enterprise_imports_through_a_job_and_reads_the_report(client, company, job_queue):
    org, member = company
    client.force_login(member)
    response = upload(client, filled_workbook(YEAR, [row(org)]))
    run = JobRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:run", args=[run.pk])
    assert (run.kind, run.started_by, run.organization, run.status) == (
        "points_import",
        member,
        org,
        "queued",
    )
    assert JobFile.objects.get(run=run).name == "创新积分.xlsx"  # kept in the database, not under /media/
    assert not EnterpriseYear.objects.exists()  # nothing done in the request
    waiting = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "等待" in waiting

    job_queue()
    run.refresh_from_db()
    assert run.status == "done" and (run.done, run.total) == (1, 1)
    assert run.result["report"]["created"] == 1 and run.finished_at is not None
    assert not JobFile.objects.exists()  # the upload is not kept once imported
    record = EnterpriseYear.objects.get(organization=org, year=YEAR)
    assert record.status == EnterpriseYear.Status.ENTERED  # an enterprise's own import awaits confirmation
    fragment = client.get(reverse("jobs:run-progress", args=[run.pk])).content.decode()
    assert 'id="import-ok"' in fragment and "新增 1" in fragment
    assert "hx-trigger" not in fragment  # finished: the page stops polling
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_rejected_row_is_reported_with_its_row_and_nothing_changes(client, company, job_queue):
    org, member = company
    client.force_login(member)
    upload(client, filled_workbook(YEAR, [row(org), row(enterprise(), rd_staff=-3)]))
    job_queue()
    run = JobRun.objects.get()
    assert run.status == "failed"
    assert nothing_written()
    problems = run.result["report"]["problems"]
    assert {p["row"] for p in problems} == {3}  # the other enterprise's row, and the negative count
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert 'id="job-error"' in page and "文件未导入，未做任何更改" in page
    assert 'data-row="3"' in page and "Traceback" not in page
    # A refused file is the person's answer, not a broken job: the queue does not count it as failed.
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("data.pdf", b"%PDF-1.4 not a workbook", "请以 .xlsx 或 .csv 文件上传填好的模板"),
        ("data.xlsx", b"", "空文件"),
    ],
)
def test_a_wrong_or_empty_file_is_refused_at_once_and_nothing_is_queued(
    client, company, name, content, expected
):
    _org, member = company
    client.force_login(member)
    response = upload(client, content, name=name)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not JobRun.objects.exists() and not DBTaskResult.objects.exists()
    assert nothing_written()


@pytest.mark.parametrize("role", ["anonymous", "expert", "analyst"])
def test_who_may_not_import_cannot_queue_an_import(client, points_system, role):
    if role != "anonymous":
        client.force_login(UserFactory(role=role))
    response = upload(client, b"PK")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert not JobRun.objects.exists()


def _confirmed_cohort(hq, job_queue, client, n=3):
    orgs = [enterprise() for _ in range(n)]
    client.force_login(hq)
    upload(client, filled_workbook(YEAR, [row(o) for o in orgs]))
    job_queue()
    assert JobRun.objects.get().result["report"]["created"] == n
    assert set(EnterpriseYear.objects.values_list("status", flat=True)) == {"confirmed"}  # HQ confirms
    return orgs


def test_headquarters_recomputes_through_a_job_and_gets_a_link_to_the_ranking(client, hq, job_queue):
    orgs = _confirmed_cohort(hq, job_queue, client)
    response = client.post(reverse("points:recompute"), {"year": YEAR})
    run = JobRun.objects.get(kind="points_recompute")
    assert response["Location"] == reverse("jobs:run", args=[run.pk])
    assert not ScoreRun.objects.exists()
    job_queue()
    run.refresh_from_db()
    assert run.status == "done" and run.result["enterprises"] == len(orgs)
    assert run.done == run.total == 3 * len(orgs)
    assert ScoreRun.objects.get().enterprises == len(orgs)
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert "已为 3 家企业计分" in page
    assert f'href="{reverse("points:ranking")}?year={YEAR}"' in page


def test_a_recompute_with_nothing_to_score_says_why_in_plain_words(client, hq, job_queue):
    client.force_login(hq)
    client.post(reverse("points:recompute"), {"year": YEAR})
    job_queue()
    run = JobRun.objects.get()
    assert run.status == "failed" and "没有已确认的企业数据" in run.error
    assert not ScoreRun.objects.exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
