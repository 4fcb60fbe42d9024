"""Bulk import: all or nothing per file, row-by-row reports, idempotent, Excel/CSV/JSONL."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from mengkeju.catalog.importing import ImportRejected, import_file, parse_amount, parse_modes
from mengkeju.catalog.models import Achievement, CooperationMode, Demand, Status

pytestmark = pytest.mark.django_db

HEADER = ["编号", "成果名称", "成果简介", "成熟度", "产业链环节", "地区", "转化方式", "价格", "知识产权"]
GOOD_ROWS = [
    [
        "X-1",
        "稀土抛光粉回收再生技术",
        "废旧铈基抛光粉经酸浸—沉淀再生，回收率≥92%。",
        "通过小试",
        "rare-earth.polishing",
        "150200",
        "技术转让",
        "50万元",
        "发明专利 ZL202010000001.1",
    ],
    [
        "X-2",
        "乳清蛋白膜分离浓缩工艺",
        "陶瓷膜+纳滤两级浓缩，蛋白回收率92%，能耗降低30%。",
        7,
        "dairy.byproducts",
        "呼和浩特市",
        "技术许可,合作开发",
        "面议",
        "",
    ],
]


def _xlsx(path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_excel_import_creates_records_with_parsed_values(tmp_path):
    report = import_file(_xlsx(tmp_path / "成果.xlsx", GOOD_ROWS), "achievement", source="excel")
    assert (report.rows, report.created) == (2, 2)
    first = Achievement.objects.get(external_id="X-1")
    assert first.trl == 4 and first.price_yuan == Decimal("500000.00") and first.status == Status.PUBLISHED
    assert first.ip_rights == [{"kind": "invention_patent", "number": "ZL202010000001.1"}]
    assert list(first.chain_links.values_list("code", flat=True)) == ["rare-earth.polishing"]
    second = Achievement.objects.get(external_id="X-2")
    assert second.division.code == "150100" and second.price_yuan is None
    assert set(second.transfer_modes.values_list("code", flat=True)) == {
        "license_ordinary",
        "joint_development",
    }


def test_reimport_is_idempotent_and_updates_changed_rows(tmp_path):
    path = _xlsx(tmp_path / "成果.xlsx", GOOD_ROWS)
    import_file(path, "achievement", source="excel")
    again = import_file(path, "achievement", source="excel")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = [list(GOOD_ROWS[0]), GOOD_ROWS[1]]
    changed[0][1] = "稀土抛光粉回收再生技术（第二版）"
    third = import_file(_xlsx(tmp_path / "v2.xlsx", changed), "achievement", source="excel")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert Achievement.objects.count() == 2
    assert Achievement.objects.get(external_id="X-1").title.endswith("（第二版）")


def test_one_bad_row_rejects_the_whole_file_with_a_row_report(tmp_path):
    bad = [
        *GOOD_ROWS,
        ["X-3", "", "缺标题", "通过小试", "rare-earth.polishing", "150200", "技术转让", "10万元", ""],
        ["X-4", "负价格", "价格为负", "通过小试", "rare-earth.polishing", "150200", "技术转让", "-10", ""],
        ["X-5", "未知环节", "环节不存在", "通过小试", "rare-earth.unobtainium", "150200", "技术转让", "", ""],
        ["X-6", "天价", "价格离谱", 5, "rare-earth.polishing", "150200", "技术转让", "99999999亿元", ""],
        ["X-7", "未知成熟度", "成熟度不对", "差不多了", "rare-earth.polishing", "150200", "物物交换", "", ""],
    ]
    with pytest.raises(ImportRejected) as exc:
        import_file(_xlsx(tmp_path / "坏.xlsx", bad), "achievement", source="excel")
    problems = {(p.row, p.column) for p in exc.value.report.problems}
    assert {
        (4, "title"),
        (5, "price"),
        (6, "chain_links"),
        (7, "price"),
        (8, "trl"),
        (8, "modes"),
    } <= problems
    assert not Achievement.objects.exists()


def test_broken_excel_file_is_rejected_clearly(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(ImportRejected) as exc:
        import_file(path, "achievement")
    assert "Excel" in str(exc.value)
    assert not Achievement.objects.exists()


def test_command_reports_and_writes_nothing_on_error(tmp_path):
    path = tmp_path / "demands.jsonl"
    path.write_text(
        json.dumps(
            {"id": "D-1", "name": "需求一", "text": "问题描述", "cooperation": "委托开发"}, ensure_ascii=False
        )
        + "\n{not json\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_listings", str(path), "--no-progress")
    assert "2" in str(exc.value)
    assert not Demand.objects.exists()


def test_csv_with_skip_invalid_writes_valid_rows_and_lists_the_rest(tmp_path):
    path = tmp_path / "demands.csv"
    path.write_text(
        "id,title,problem,budget\nD-1,膜分离需求,乳清浓缩,20万元\nD-2,,没有标题,\n", encoding="utf-8"
    )
    report = import_file(path, "demand", source="csv", skip_invalid=True)
    assert report.created == 1 and report.rejected_rows == 1
    assert Demand.objects.get().budget_yuan == Decimal("200000.00")


def test_amount_and_mode_parsing():
    assert parse_amount("100.0万元-200.0万元") == Decimal("1000000.00")
    assert parse_amount("面议") is None
    assert parse_amount("1.5亿") == Decimal("150000000.00")
    modes = {m.code: m for m in CooperationMode.objects.all()}
    codes = [m.code for m in parse_modes("完全转让许可转让技术入股合作生产", modes)]
    assert codes == ["transfer", "license_ordinary", "equity", "joint_development"]
    with pytest.raises(ValueError):
        parse_amount("0")


def test_public_listings_import_completely(shared_data):
    achievements = import_file(shared_data / "achievements.jsonl", "achievement", source="tech-market")
    demands = import_file(shared_data / "demands.jsonl", "demand", source="tech-market", skip_invalid=True)
    assert achievements.created == 2946
    # One public demand row is entirely empty (no title, no text): it is reported, not invented.
    assert demands.created + demands.rejected_rows == demands.rows
    assert demands.rejected_rows <= 1
    assert Achievement.objects.filter(source="tech-market").count() == 2946
