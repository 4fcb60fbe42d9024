"""Bad files are refused clearly, row by row, and never stored as something else (issue 13, finding 13)."""

import json
from decimal import Decimal

import pytest
from openpyxl import Workbook

from mengkeju.catalog.importing import ImportRejected, import_file, parse_amount, parse_trl
from mengkeju.catalog.models import Achievement

pytestmark = pytest.mark.django_db

GOOD = {
    "id": "J-1",
    "name": "稀土抛光粉回收",
    "text": "酸浸沉淀再生",
    "maturity": "通过小试",
    "cooperation": "技术转让",
}


def _jsonl(path, rows, encoding="utf-8"):
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(encoding))
    return path


def _problems(path, **options):
    before = Achievement.objects.count()
    with pytest.raises(ImportRejected) as exc:
        import_file(path, "achievement", source="t", **options)
    assert Achievement.objects.count() == before
    return {(p.row, p.column): p.message for p in exc.value.report.problems}


def test_gbk_jsonl_is_refused_as_not_utf8_naming_gbk(tmp_path):
    problems = _problems(_jsonl(tmp_path / "a.jsonl", [GOOD], encoding="gbk"))
    assert list(problems) == [(1, "")]
    assert "UTF-8" in problems[1, ""] and "GBK" in problems[1, ""] and "另存" in problems[1, ""]


def test_utf8_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD, ensure_ascii=False).encode())
    assert import_file(path, "achievement", source="t").created == 1


def test_gbk_csv_names_gbk(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("id,name,maturity\nC-1,稀土,5\n".encode("gbk"))
    problems = _problems(path)
    assert "GBK" in problems[0, ""]


def test_broken_json_lines_are_row_problems_and_the_rest_is_checked(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps(GOOD, ensure_ascii=False) + '\n{"id": "J-2", "name": \n' + '{"id": "J-3", "price": NaN}\n',
        encoding="utf-8",
    )
    problems = _problems(path)
    assert set(problems) == {(2, ""), (3, "")}
    assert "JSON" in problems[2, ""]
    report = import_file(path, "achievement", source="t", skip_invalid=True)
    assert report.created == 1 and report.rejected_rows == 2


def test_broken_json_file_is_refused_not_a_traceback(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[{"id": "J-1",', encoding="utf-8")
    assert "JSON" in _problems(path)[0, ""]


@pytest.mark.parametrize(
    "price", ["1e400", "1e5", "inf", "NaN", "12,34", "1.2.3", "五万", True, float("inf")]
)
def test_amounts_are_parsed_strictly(price):
    with pytest.raises(ValueError):
        parse_amount(price)


def test_strict_amounts_still_read_the_listing_formats():
    assert parse_amount("1,234.5") == Decimal("1234.50")
    assert parse_amount("12.5万元") == Decimal("125000.00")
    assert parse_amount("100.0万元-200.0万元") == Decimal("1000000.00")
    assert parse_amount(80000) == Decimal("80000.00")


def test_exponent_price_is_a_row_problem_not_1400_yuan(tmp_path):
    problems = _problems(_jsonl(tmp_path / "a.jsonl", [{**GOOD, "price": "1e400"}]))
    assert set(problems) == {(1, "price")}


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"name": ["list", "title"]}, "title"),
        ({"text": {"a": 1}}, "summary"),
        ({"maturity": True}, "trl"),
        ({"maturity": 5.5}, "trl"),
        ({"cooperation": [1, 2]}, "modes"),
        ({"id": False}, "id"),
    ],
)
def test_json_values_of_the_wrong_type_are_row_problems(tmp_path, change, column):
    problems = _problems(_jsonl(tmp_path / "a.jsonl", [{**GOOD, **change}]))
    assert set(problems) == {(1, column)}


def test_trl_booleans_are_not_levels():
    with pytest.raises(ValueError):
        parse_trl(True)
    assert parse_trl(7) == 7 and parse_trl(7.0) == 7 and parse_trl("7") == 7


def test_control_characters_are_stripped_and_nul_is_refused(tmp_path):
    import_file(
        _jsonl(tmp_path / "a.jsonl", [{**GOOD, "name": "稀土\x02抛光\x1f粉", "text": "一\n二\t三"}]),
        "achievement",
        source="t",
    )
    stored = Achievement.objects.get()
    assert stored.title == "稀土抛光粉" and stored.summary == "一\n二\t三"
    problems = _problems(_jsonl(tmp_path / "b.jsonl", [{**GOOD, "id": "J-9", "text": "坏\x00字节"}]))
    assert set(problems) == {(1, "summary")} and "NUL" in problems[1, "summary"]


HEADER = ["编号", "成果名称", "成熟度", "价格"]


def _xlsx(path, rows, merge=None):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)  # openpyxl saves formulas without a cached value, as a generated file does
    return path


def test_formula_without_a_saved_value_is_refused_not_read_as_negotiable(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", [["X-1", "稀土", 5, "=10000*5"], ["X-2", "乳清", 6, 80000]])
    problems = _problems(path)
    assert set(problems) == {(2, "价格")}
    assert "公式" in problems[2, "价格"] and "Excel" in problems[2, "价格"]


def test_merged_cells_are_reported_as_merged_not_as_missing(tmp_path):
    rows = [["X-1", "稀土", 5, ""], ["X-2", "乳清", None, ""], ["X-3", "羊绒", None, ""]]
    problems = _problems(_xlsx(tmp_path / "a.xlsx", rows, merge="C2:C4"))
    assert {(2, "成熟度"), (3, "成熟度"), (4, "成熟度")} == set(problems)
    assert "C2:C4" in problems[3, "成熟度"] and "合并" in problems[3, "成熟度"]


def test_rows_are_written_in_bounded_chunks_all_or_nothing(tmp_path, monkeypatch):
    from django.core.exceptions import ValidationError

    from mengkeju.catalog import importing

    monkeypatch.setattr(importing, "WRITE_CHUNK", 2)
    sizes = []
    real = importing.bulk_upsert_listings

    def spy(model, rows, **kwargs):
        sizes.append(len(rows))
        if len(sizes) == 3 and fail:
            raise ValidationError(["J-4 · title: 坏"])
        return real(model, rows, **kwargs)

    monkeypatch.setattr(importing, "bulk_upsert_listings", spy)
    path = _jsonl(tmp_path / "a.jsonl", [{**GOOD, "id": f"J-{i}"} for i in range(5)])
    fail = True
    _problems(path)  # the third chunk fails: the first two are rolled back with it
    assert sizes == [2, 2, 1]
    fail, sizes[:] = False, []
    assert import_file(path, "achievement", source="t").created == 5 and sizes == [2, 2, 1]


def test_a_json_file_above_the_size_limit_is_refused_suggesting_jsonl(tmp_path, settings):
    """Issue 13, finding 13: a .json array is parsed whole, so its size is bounded (JSON Lines streams)."""
    settings.IMPORT_JSON_MAX_BYTES = 1024
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{**GOOD, "id": f"J-{i}"} for i in range(30)], ensure_ascii=False), "utf-8")
    assert path.stat().st_size > 1024
    message = _problems(path)[0, ""]
    assert ".jsonl" in message and "JSON Lines" in message


def test_a_json_file_below_the_size_limit_is_imported(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps([{**GOOD, "id": f"J-{i}"} for i in range(3)], ensure_ascii=False), "utf-8")
    assert import_file(path, "achievement", source="t").created == 3
