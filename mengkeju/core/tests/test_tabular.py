"""The tabular import readers and the refusal: real files, rows numbered as a spreadsheet shows them."""

from datetime import datetime

import pytest
from django.utils import translation
from openpyxl import Workbook

from mengkeju.core.tabular import (
    READERS,
    ImportRejected,
    ImportReport,
    RowProblem,
    read_csv,
    read_xlsx,
    suffix_of,
)


def test_csv_with_a_byte_order_mark_reads_the_first_header_cleanly(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes("编号 ,名称\nA-1,稀土抛光\n\n,\nA-2,乳清蛋白\n".encode("utf-8-sig"))
    table = read_csv(path, ImportReport(str(path)))
    assert table.header == ["编号", "名称"]  # no "\ufeff" glued to the first column, spaces stripped
    # blank lines and rows of empty cells are left out but still counted: A-2 is on line 5
    assert list(table.records()) == [
        (2, {"编号": "A-1", "名称": "稀土抛光"}),
        (5, {"编号": "A-2", "名称": "乳清蛋白"}),
    ]


def test_csv_from_uploaded_bytes_reads_like_the_file():
    table = read_csv("a,b\n1,2\n".encode("utf-8-sig"), ImportReport("upload.csv"))
    assert (table.header, list(table.rows)) == (["a", "b"], [(2, ["1", "2"])])


def test_csv_that_is_not_utf8_is_refused_with_a_file_problem(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("编号,名称\nA-1,稀土\n".encode("gbk"))
    report = ImportReport(str(path))
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as info:
        list(read_csv(path, report).rows)
    assert info.value.report is report
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (0, "", "文件不是 UTF-8 编码的文本（看起来是 GBK 编码）；请将其另存为 UTF-8 编码后重新导入")
    ]


def test_xlsx_made_with_openpyxl_keeps_cell_types_and_row_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([" 编号", "成熟度", "发布日期", None])
    sheet.append(["X-1", 7, datetime(2024, 5, 1), None])
    sheet.append([None, None, None, None])
    sheet.append(["X-2", "通过小试", None, None])
    book.create_sheet("说明").append(["this sheet is not read"])
    path = tmp_path / "成果.xlsx"
    book.save(path)

    table = read_xlsx(path, ImportReport(str(path)))
    assert table.header == ["编号", "成熟度", "发布日期", ""]
    rows = list(table.rows)
    assert [n for n, _cells in rows] == [2, 4]
    assert rows[0][1][:3] == ["X-1", 7, datetime(2024, 5, 1)]
    assert READERS[suffix_of("成果.XLSX")] is read_xlsx
    assert read_xlsx(path.read_bytes(), ImportReport("upload.xlsx")).header == table.header


def test_a_damaged_workbook_is_refused_as_a_whole_file_problem(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    report = ImportReport(str(path))
    with pytest.raises(ImportRejected):
        read_xlsx(path, report)
    assert report.problems[0].row == 0 and "Excel" in report.problems[0].message


def test_a_bad_row_refuses_the_file_and_the_message_lists_it_in_chinese(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,price\nA-1,10\nA-2,-5\n", encoding="utf-8")
    report = ImportReport("rows.csv")
    for n, record in read_csv(path, report).records():
        report.rows += 1
        if float(record["price"]) < 0:
            report.add(n, "price", "不能为负数")
    assert (report.rows, report.rejected_rows) == (2, 1)
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as info:
        raise ImportRejected(report)
    message = str(info.value)
    assert message.startswith("rows.csv 未导入（未写入任何数据）：共 1 个问题")
    assert "第 3 行，price：不能为负数" in message


def test_the_refusal_shows_at_most_200_problems_and_counts_the_rest():
    report = ImportReport("big.csv", problems=[RowProblem(n, "", "bad") for n in range(2, 252)])
    with translation.override("en"):
        message = str(ImportRejected(report))
    assert "row 201, —: bad" in message and "row 202," not in message
    assert message.endswith("… and 50 more problems")


def test_reject_records_the_problem_and_raises():
    report = ImportReport("empty.csv")
    with pytest.raises(ImportRejected) as info:
        report.reject(0, "", "the file holds no rows")
    assert info.value.report.problems == [RowProblem(0, "", "the file holds no rows")]
