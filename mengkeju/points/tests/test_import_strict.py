"""Issue 13, finding 13: the points import reads its file row by row (bounded memory), with the same
strictness as the catalog imports (encoding, numbers, control characters, formulas, merged cells)."""

import csv
import io
import tracemalloc

import pytest
from django.utils import translation

from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import UserFactory, division

from ..importing import ImportRejected, template_headers
from ..models import IndicatorValue
from ..pack import SystemSpec
from ..services import current_system, import_indicator_values
from .factories import enterprise, filled_workbook
from .test_bad_input import VALUES, YEAR, nothing_written, row


@pytest.fixture
def hq(points_system):
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(kind="headquarters"))


def as_csv(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(template_headers(SystemSpec.from_definition(current_system(YEAR).definition)))
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def rejected(content, by, name="data.csv"):
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as info:
        import_indicator_values(content, name, year=YEAR, by=by)
    assert nothing_written()
    return info.value.report.problems


@pytest.mark.parametrize("text", ["1e400", "1e3", "inf", "NaN", "12,5"])
def test_a_number_with_an_exponent_or_not_a_number_is_refused(hq, text):
    org = enterprise()
    problems = rejected(as_csv([row(org, rd_expense=text)]), hq)
    assert [(p.row, p.column) for p in problems] == [(2, "研发费用总额（万元）")]
    assert "不是数字" in problems[0].message


def test_an_implausibly_large_number_is_refused(hq):
    org = enterprise()
    problems = rejected(as_csv([row(org, rd_expense="1" + "0" * 20)]), hq)
    assert [(p.row, p.column) for p in problems] == [(2, "研发费用总额（万元）")]
    assert "过大" in problems[0].message


def test_thousands_separators_are_read(hq):
    org = enterprise()
    report = import_indicator_values(as_csv([row(org, revenue="11,000.5")]), "data.csv", year=YEAR, by=hq)
    assert report.created == 1
    assert IndicatorValue.objects.get(code="revenue").value == 11000.5


def test_true_is_not_a_number_in_a_workbook(hq):
    org = enterprise()
    problems = rejected(filled_workbook(YEAR, [row(org, tech_sme=True)]), hq, name="data.xlsx")
    assert [p.row for p in problems] == [2]
    assert "不是数字" in problems[0].message


def test_control_characters_are_stripped_from_text_cells(hq):
    org = enterprise()
    cells = row(org)
    cells[0] = "\x02" + org.credit_code + "\x1f"
    report = import_indicator_values(as_csv([cells]), "data.csv", year=YEAR, by=hq)
    assert report.created == 1


def test_a_gbk_file_is_refused_naming_the_encoding(hq):
    org = enterprise()
    problems = rejected(as_csv([row(org, revenue="一万")], encoding="gbk"), hq)
    assert "UTF-8" in problems[0].message and "GBK" in problems[0].message


def test_merged_cells_are_reported_as_such(hq):
    from openpyxl import load_workbook

    first, second = enterprise(), enterprise()
    book = load_workbook(io.BytesIO(filled_workbook(YEAR, [row(first), row(second)])))
    book.worksheets[0].merge_cells("E2:E3")
    buffer = io.BytesIO()
    book.save(buffer)
    problems = rejected(buffer.getvalue(), hq, name="data.xlsx")
    assert {p.row for p in problems} == {2, 3} and all("合并单元格" in p.message for p in problems)


def test_a_failed_import_at_the_last_row_writes_nothing(hq):
    orgs = [enterprise() for _ in range(3)]
    rows = [row(o) for o in orgs]
    rows[-1][4] = "abc"
    problems = rejected(as_csv(rows), hq)
    assert [p.row for p in problems] == [4]


def _peak_of_a_refused_check(rows: int, hq) -> int:
    place = division("150200")
    Organization.objects.bulk_create(
        Organization(
            code=f"mem-{n}",
            name=f"内存测试企业{n}",
            kind=Organization.Kind.ENTERPRISE,
            division=place,
            credit_code=f"91150200{n:09d}X",
        )
        for n in range(rows)
    )
    body = [[f"91150200{n:09d}X", "", "rare-earth", "small", *VALUES.values()] for n in range(rows)]
    body[-1][4] = "abc"  # refused at the last row: the whole file is checked, nothing written
    content = as_csv(body)
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected):
            import_indicator_values(content, "data.csv", year=YEAR, by=hq)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checking_a_file_takes_memory_for_the_codes_not_for_every_row(hq):
    """Main kept every parsed row (16 Decimals and their dict) until the end: ~3.5 kB a row; reading
    row by row keeps only each row's credit code and number (~0.3 kB a row)."""
    peak = _peak_of_a_refused_check(3000, hq)
    assert peak < 3000 * 1500, f"{peak / 1e6:.1f} MB for 3,000 rows"
