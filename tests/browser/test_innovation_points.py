"""An enterprise imports its innovation-points data and reads its score; HQ sees the ranking.

The enterprise downloads the year's template, fills it in with openpyxl and uploads it; its
sub-center confirms the data; headquarters recomputes the cohort and sees the ranking; the enterprise
then reads its score, tier and breakdown."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mengkeju.deals.tests.factories import credit_code
from mengkeju.network.models import Division, Organization, User
from mengkeju.points.models import Score
from mengkeju.points.services import load_points_system
from mengkeju.points.synthetic import generate_enterprises

pytestmark = [pytest.mark.browser]
REGION_DIR = Path(__file__).resolve().parents[2] / "regions" / "inner-mongolia"
PASSWORD = "pass-word-123"
YEAR = 2025
VALUES = {
    "研发费用总额（万元）": 820,
    "研发费用占营业收入比重（%）": 6.4,
    "研发人员数（人）": 35,
    "研发人员占职工总数比重（%）": 18,
    "有效发明专利数（件）": 9,
    "其他有效知识产权数（件）": 14,
    "技术合同成交额（万元）": 260,
    "营业收入（万元）": 12800,
    "营业收入增长率（%）": 21.5,
    "净利润（万元）": 1350,
    "股权融资额（万元）": 500,
    "资产负债率（%）": 38,
    "高新技术企业（是=1/否=0）": 1,
    "科技型中小企业（是=1/否=0）": 1,
}


def _user(username, role, org):
    user = User(username=username, role=role, organization=org)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def test_enterprise_imports_its_data_and_reads_its_score_hq_sees_the_ranking(
    base_data, page_factory, job_queue
):
    load_points_system(REGION_DIR)
    generate_enterprises(30, YEAR, seed=11)
    enterprise = Organization.objects.create(
        code="e-points",
        name="包头稀土新材料科技有限公司",
        kind=Organization.Kind.ENTERPRISE,
        division=Division.objects.get(code="150200"),
        credit_code=credit_code(42, "150200"),
    )
    _user("qiye", User.Role.MEMBER, enterprise)
    _user("baotou-staff", User.Role.SUBCENTER_STAFF, Organization.objects.get(code="baotou"))
    _user("zongzhongxin", User.Role.HQ_OPERATOR, Organization.objects.get(code="hq"))

    # 1. The enterprise downloads the template, fills it in and uploads it.
    page = page_factory()
    _login(page, "qiye")
    page.click("nav >> text=创新积分")
    page.wait_for_url("**/points/enterprise/**")
    with page.expect_download() as download:
        page.click("#points-template")
    book = load_workbook(BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=1).value == enterprise.credit_code  # prefilled for the enterprise
    sheet.cell(row=2, column=headers.index("产业链") + 1).value = "稀土"
    for header, value in VALUES.items():
        sheet.cell(row=2, column=headers.index(header) + 1).value = value
    upload = BytesIO()
    book.save(upload)
    page.fill("#points-import input[name=year]", str(YEAR))
    page.set_input_files(
        "#points-file",
        files=[
            {
                "name": "创新积分2025.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": upload.getvalue(),
            }
        ],
    )
    page.click("#points-upload")
    page.wait_for_url("**/jobs/*/")  # the import runs in the background; the page shows its progress
    job_queue()
    assert "新增 1" in page.inner_text("#import-ok")  # the page refreshes itself until the job is done
    page.click("#job-back")
    assert "已填报，待确认" in page.inner_text("#points-record-status")
    assert "创新积分2025.xlsx" in page.inner_text("#points-data")

    # 2. The Baotou sub-center confirms it.
    staff = page_factory()
    _login(staff, "baotou-staff")
    staff.goto(f"/points/review/?year={YEAR}&status=entered")
    staff.click(f"tr[data-record='{enterprise.credit_code}'] button.btn-success")
    assert "已确认" in staff.inner_text(".alert-success")

    # 3. Headquarters recomputes the year and sees the ranking.
    hq = page_factory()
    _login(hq, "zongzhongxin")
    hq.goto(f"/points/ranking/?year={YEAR}")
    hq.click("#points-recompute button")
    hq.wait_for_url("**/jobs/*/")
    job_queue()
    assert "已为 31 家企业计分" in hq.inner_text("#job-result")
    hq.click("#job-ranking-link")
    hq.wait_for_url("**/points/ranking/**")
    row = hq.locator(f"tr[data-credit-code='{enterprise.credit_code}']")
    score = Score.objects.get(organization=enterprise, run__cohort_key=f"{YEAR}|*|*")
    assert row.locator("td").nth(0).inner_text() == str(score.rank)
    assert row.locator("td").nth(4).inner_text() == f"{score.total:.2f}"
    hq.wait_for_selector("#chart-histogram canvas")

    # 4. The enterprise reads its score, tier and breakdown.
    page.goto(f"/points/enterprise/?year={YEAR}")
    assert page.inner_text("[data-figure=total]") == f"{score.total:.2f}"
    assert page.inner_text("[data-figure=tier]") == score.tier
    breakdown = page.inner_text("#points-breakdown")
    assert "研发费用总额" in breakdown and "820" in breakdown and "资产负债率" in breakdown
    assert page.locator("#points-breakdown tr[data-indicator]").count() == 12
