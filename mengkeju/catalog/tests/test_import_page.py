"""The HQ page that imports achievement/demand files (as `mengkeju import`) through a background job."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from mengkeju.catalog.models import Achievement, Demand, Status
from mengkeju.jobs.models import JobFile, JobRun

from .test_import import GOOD_ROWS, HEADER

pytestmark = pytest.mark.django_db

URL = "/catalog/import/"


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _demands(*rows) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


DEMAND = {
    "id": "D-1",
    "name": "LED手电筒红外开关改进",
    "text": "需要设计一款红外控制的LED手电筒。",
    "posted": "2020-01-13",
}


def post(client, content, name, **fields):
    data = {"kind": "achievement", "status": "published", "source": "web", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(URL, data)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("expert", 403),
        ("owner", 403),
        ("other_member", 403),
        ("staff_in_scope", 403),
        ("staff_out_of_scope", 403),
        ("broker_in_scope", 403),
        ("hq_operator", 200),
        ("platform_admin", 200),
    ],
)
def test_only_headquarters_opens_and_uses_the_import_page(client, people, who, status):
    if people[who]:
        client.force_login(people[who])
    page = client.get(URL)
    assert page.status_code == status
    if status == 200:
        assert 'id="catalog-import"' in page.content.decode()
    refused = post(client, _xlsx(GOOD_ROWS), "成果.xlsx")
    assert refused.status_code == (302 if status == 200 else status)
    assert JobRun.objects.exists() is (status == 200)


def test_an_excel_file_is_imported_by_a_job_and_reported(client, people, job_queue):
    client.force_login(people["hq_operator"])
    response = post(client, _xlsx(GOOD_ROWS), "成果.xlsx", status="draft")
    run = JobRun.objects.get()
    assert response["Location"] == reverse("jobs:run", args=[run.pk])
    assert not Achievement.objects.filter(source="web").exists()
    job_queue()
    run.refresh_from_db()
    assert run.status == "done" and run.result["report"]["created"] == 2
    assert (run.done, run.total) == (run.total, 3)  # 2 rows read, then the writing step
    assert set(Achievement.objects.filter(source="web").values_list("status", flat=True)) == {Status.DRAFT}
    assert not JobFile.objects.exists()
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert "新增 2" in page and 'id="job-back"' in page


def test_a_rejected_row_rejects_the_file_and_is_shown_with_row_and_column(client, people, job_queue):
    client.force_login(people["hq_operator"])
    bad = {**DEMAND, "id": "D-2", "name": ""}
    post(client, _demands(DEMAND, bad), "demands.jsonl", kind="demand")
    job_queue()
    run = JobRun.objects.get()
    assert run.status == "failed" and not Demand.objects.exists()
    problems = run.result["report"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "title")]
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert "文件未导入，未做任何更改" in page and 'data-row="2"' in page


def test_skip_invalid_writes_the_good_rows_and_lists_the_bad_one(client, people, job_queue):
    client.force_login(people["hq_operator"])
    bad = {**DEMAND, "id": "D-2", "name": ""}
    post(client, _demands(DEMAND, bad), "demands.jsonl", kind="demand", skip_invalid="on")
    job_queue()
    run = JobRun.objects.get()
    assert run.status == "done" and list(Demand.objects.values_list("external_id", flat=True)) == ["D-1"]
    assert run.result["report"]["rejected_rows"] == 1
    page = client.get(reverse("jobs:run", args=[run.pk])).content.decode()
    assert "1 行被拒绝（未写入）" in page and 'data-row="2"' in page


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [("demands.pdf", b"%PDF-1.4", "不支持的文件类型"), ("demands.jsonl", b"", "空文件")],
)
def test_a_wrong_or_empty_file_is_refused_at_once(client, people, name, content, expected):
    client.force_login(people["hq_operator"])
    response = post(client, content, name, kind="demand")
    assert response.status_code == 400
    body = response.content.decode()
    assert expected in body and "文件未导入，未做任何更改" in body
    assert not JobRun.objects.exists() and not Demand.objects.exists()
