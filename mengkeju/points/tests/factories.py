"""Test helpers for innovation points: enterprises, small indicator systems, filled-in workbooks."""

from __future__ import annotations

import io
import itertools

import yaml

from mengkeju.deals.tests.factories import credit_code
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory, division

from ..importing import build_template
from ..pack import SystemSpec
from ..services import current_system

_numbers = itertools.count(1)


def enterprise(division_code: str = "150200", **fields) -> Organization:
    n = next(_numbers)
    fields.setdefault("credit_code", credit_code(800_000 + n, division_code))
    fields.setdefault("name", f"积分测试企业{n}")
    return OrganizationFactory(kind=Organization.Kind.ENTERPRISE, division=division(division_code), **fields)


def write_pack(folder, systems: list[dict], size_classes=None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"schema_version": 1, "size_classes": size_classes or [{"code": "small", "name": "小型企业"}]}
    data["systems"] = systems
    (folder / "points.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(folder)


def small_system(year: int, *, weights=(60, 40), activity=True) -> dict:
    """Three indicators in two groups, one bonus item: small enough to check by hand."""
    return {
        "year": year,
        "name": f"{year}年度测试指标体系",
        "z_span": 3,
        "bonus_cap": 10,
        "tiers": [
            {"code": "A", "min_score": 60},
            {"code": "B", "min_score": 40},
            {"code": "C", "min_score": 0},
        ],
        "groups": [
            {
                "code": "innovation",
                "name": "技术创新",
                "weight": weights[0],
                "indicators": [
                    {
                        "code": "rd_expense",
                        "name": "研发费用总额",
                        "unit": "万元",
                        "weight": 1,
                        "direction": "higher",
                        "method": "zscore",
                        "min": 0,
                    },
                    {
                        "code": "patents",
                        "name": "有效发明专利数",
                        "unit": "件",
                        "weight": 1,
                        "direction": "higher",
                        "method": "percentile",
                        "min": 0,
                        "integer": True,
                    },
                ],
            },
            {
                "code": "growth",
                "name": "成长经营",
                "weight": weights[1],
                "indicators": [
                    {
                        "code": "debt_ratio",
                        "name": "资产负债率",
                        "unit": "%",
                        "weight": 1,
                        "direction": "lower",
                        "method": "zscore",
                        "min": 0,
                        "max": 300,
                    },
                ],
            },
        ],
        "bonus": [
            {
                "code": "high_tech",
                "name": "高新技术企业",
                "unit": "是=1/否=0",
                "points": 5,
                "cap": 5,
                "min": 0,
                "max": 1,
                "integer": True,
            }
        ],
        "activity": [{"source": "registered_contracts", "points": 1, "cap": 5}] if activity else [],
    }


def filled_workbook(year: int, rows: list[list], *, headers: list[str] | None = None) -> bytes:
    """The year's template with rows filled in (credit code, name, chain, size class, then each item)."""
    system = current_system(year)
    content = build_template(
        SystemSpec.from_definition(system.definition), rows=rows, size_classes=system.size_classes
    )
    if headers is None:
        return content
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for column in range(1, sheet.max_column + 1):
        sheet.cell(row=1, column=column).value = None
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=column).value = header
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
