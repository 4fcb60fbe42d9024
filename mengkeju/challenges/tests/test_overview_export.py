"""The overview's figures download as Excel, as numbers, equal to what the page shows."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from mengkeju.challenges import selectors, services

from .factories import AFTER_CLOSE
from .helpers import world

pytestmark = pytest.mark.django_db
LATER = AFTER_CLOSE + timedelta(days=60)


def rows(sheet):
    return [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]


def test_the_overview_workbook_carries_the_committed_and_released_money(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = world("awarded")
    milestone = w.teams[0].milestones.first()
    services.upload_evidence(
        milestone,
        SimpleUploadedFile("r.pdf", b"%PDF-1.4 report", content_type="application/pdf"),
        by=w.team_members[0],
        description="检测报告",
        now=LATER,
    )
    for expert in w.experts[:3]:
        results = {i.pk: {"met": True, "note": ""} for i in milestone.indicators.all()}
        services.accept_milestone(milestone, by=expert.user, results=results, note="", now=LATER)
    services.report_cofunding(w.teams[0], milestone.amount_yuan * 2, by=w.team_members[0], now=LATER)
    services.release_tranche(milestone, by=w.publisher_member, now=LATER)

    response = client.get("/challenges/overview/export.xlsx")  # public, like the overview page
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="challenges-overview-')
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["按阶段", "按产业链", "资金"]  # tabs in Chinese by default, not codes
    assert book["资金"]["A1"].value == "资金"
    assert book["资金"]["B4"].number_format == "#,##0.00"
    money = [amount for _label, amount in rows(book["资金"])]
    data = selectors.overview()
    assert money == [float(data[k]) for k in ("budget_yuan", "committed_yuan", "released_yuan")]
    # Two teams awarded 1.2 million each; one accepted milestone of 480,000 released.
    assert (data["committed_yuan"], data["released_yuan"]) == (Decimal("2400000.00"), Decimal("480000.00"))
    assert sum(n for _stage, n in rows(book["按阶段"])) == sum(n for *_s, n in data["by_stage"])
    assert [r[1] for r in rows(book["按产业链"])] == [row["count"] for row in data["by_chain"]]
    assert isinstance(rows(book["按产业链"])[0][2], float | int)  # a number, not text
