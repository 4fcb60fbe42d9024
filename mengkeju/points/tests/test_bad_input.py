"""Bad input gets a clear, localized error and changes nothing: one test per kind of mistake.
Messages are asserted in Chinese (the site's first language)."""

import pytest
from django.utils import translation

from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

from ..importing import ImportRejected
from ..models import EnterpriseYear, ImportBatch, IndicatorValue, PointsEvent
from ..services import import_indicator_values
from .factories import enterprise, filled_workbook

YEAR = 2025


VALUES = {
    "rd_expense": 500,
    "rd_intensity": 4.5,
    "rd_staff": 20,
    "rd_staff_share": 12,
    "invention_patents": 3,
    "other_ip": 5,
    "contract_turnover": 100,
    "revenue": 11000,
    "revenue_growth": 8.5,
    "net_profit": 900,
    "equity_financing": 0,
    "debt_ratio": 45,
    "high_tech_enterprise": 1,
    "tech_sme": 0,
    "innovation_platforms": 1,
    "science_awards": 0,
}


def row(org, **overrides):
    values = {**VALUES, **overrides}
    return [org.credit_code, org.name, "rare-earth", "small", *values.values()]


@pytest.fixture
def hq(points_system):
    from mengkeju.network.models import Organization

    return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(kind="headquarters"))


def nothing_written():
    return not (
        EnterpriseYear.objects.exists()
        or IndicatorValue.objects.exists()
        or ImportBatch.objects.exists()
        or PointsEvent.objects.filter(action="imported").exists()
    )


def rejected(content, by, name="data.xlsx"):
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as info:
        import_indicator_values(content, name, year=YEAR, by=by)
    assert nothing_written()
    return info.value.report.problems, str(info.value)


def test_wrong_unit_in_a_header_is_refused(hq):
    org = enterprise()
    headers = ["统一社会信用代码", "企业名称", "产业链", "企业规模", "研发费用总额（元）"]
    content = filled_workbook(YEAR, [row(org)], headers=None)
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    book.worksheets[0].cell(row=1, column=5).value = headers[4]  # 万元 → 元
    buffer = io.BytesIO()
    book.save(buffer)
    problems, message = rejected(buffer.getvalue(), hq)
    assert [(p.row, p.column) for p in problems] == [(1, "研发费用总额（元）")]
    assert "单位" in problems[0].message and "万元" in problems[0].message
    assert "未导入" in message


def test_percentage_out_of_range_points_at_the_unit(hq):
    org = enterprise()
    problems, _ = rejected(filled_workbook(YEAR, [row(org, rd_intensity=450)]), hq)
    assert problems[0].row == 2 and problems[0].column == "研发费用占营业收入比重（%）"
    assert "单位" in problems[0].message


def test_negative_count_is_refused(hq):
    org = enterprise()
    problems, _ = rejected(filled_workbook(YEAR, [row(org, invention_patents=-2)]), hq)
    assert [(p.row, p.column, p.message) for p in problems] == [(2, "有效发明专利数（件）", "不能为负数")]


def test_unknown_enterprise_is_refused(hq):
    org = enterprise()
    stranger = row(org)
    stranger[0] = "91150200MA0000000X"
    problems, _ = rejected(filled_workbook(YEAR, [row(org), stranger]), hq)
    assert [(p.row, p.column) for p in problems] == [(3, "统一社会信用代码")]
    assert "未知企业" in problems[0].message and "91150200MA0000000X" in problems[0].message


def test_duplicated_rows_are_refused(hq):
    org = enterprise()
    problems, _ = rejected(filled_workbook(YEAR, [row(org), row(org, revenue=1)]), hq)
    assert [(p.row, p.column) for p in problems] == [(3, "统一社会信用代码")]
    assert "重复" in problems[0].message and "第 2 行" in problems[0].message


def test_a_broken_workbook_is_refused(hq):
    problems, _ = rejected(b"PK\x03\x04 this is not really a workbook", hq)
    assert problems[0].row == 0 and "Excel" in problems[0].message


def test_missing_columns_are_listed(hq):
    org = enterprise()
    content = filled_workbook(
        YEAR,
        [row(org)[:6]],
        headers=[
            "统一社会信用代码",
            "企业名称",
            "产业链",
            "企业规模",
            "研发费用总额（万元）",
            "研发费用占营业收入比重（%）",
        ],
    )
    problems, _ = rejected(content, hq)
    missing = {p.column for p in problems}
    assert (
        "营业收入（万元）" in missing
        and "资产负债率（%）" in missing
        and "研发费用总额（万元）" not in missing
    )
    assert all(p.row == 1 and p.message == "缺少必需的列" for p in problems)


def test_an_enterprise_cannot_import_another_enterprises_data(points_system):
    own, other = enterprise(), enterprise()
    member = UserFactory(role=User.Role.MEMBER, organization=own)
    problems, _ = rejected(filled_workbook(YEAR, [row(own), row(other)]), member)
    assert [(p.row, p.column) for p in problems] == [(3, "统一社会信用代码")]
    assert other.name not in problems[0].message  # the other enterprise's name is not revealed


def test_unknown_and_not_yours_credit_codes_read_the_same(points_system):
    """Issue 13, finding 4: an import must not tell a registered credit code from an unknown one."""
    own, other = enterprise(), enterprise()
    member = UserFactory(role=User.Role.MEMBER, organization=own)
    unknown = enterprise()
    rows = [row(own), row(other), row(unknown)]
    unknown.delete()  # its credit code is now registered nowhere
    problems, _ = rejected(filled_workbook(YEAR, rows), member)
    assert [p.row for p in problems] == [3, 4]
    theirs, nobodys = (
        p.message.replace(code, "<code>")
        for p, code in zip(problems, [other.credit_code, unknown.credit_code], strict=True)
    )
    assert theirs == nobodys


@pytest.mark.django_db
def test_the_entry_form_states_bounds_and_the_server_still_refuses_a_negative_count(client, points_system):
    org = enterprise()
    client.force_login(UserFactory(role=User.Role.MEMBER, organization=org))
    url = f"/points/enterprise/{org.pk}/{YEAR}/enter/"
    html = client.get(url).content.decode()
    assert 'name="rd_intensity"' in html and 'type="number"' in html
    share = html[html.index('name="rd_intensity"') - 200 : html.index('name="rd_intensity"') + 200]
    assert 'min="0"' in share and 'max="100"' in share and 'step="any"' in share
    staff = html[html.index('name="rd_staff"') - 200 : html.index('name="rd_staff"') + 200]
    assert 'step="1"' in staff
    values = {code: str(v) for code, v in VALUES.items()} | {"rd_staff": "-3"}
    response = client.post(url, values)
    assert response.status_code == 200  # the form again, with the message
    assert "不能为负数" in response.content.decode()
    assert not EnterpriseYear.objects.filter(organization=org).exists()


@pytest.mark.parametrize("year", ["false", "abc", "-1", "20251"])
def test_a_ranking_year_that_is_not_a_year_is_a_400_with_a_code(hq, year):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(hq)
    response = api.get(f"/api/points/scores/?year={year}")
    assert response.status_code == 400
    assert response.json()["codes"] == {"year": ["invalid"]}
