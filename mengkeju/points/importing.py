"""Reading enterprises' yearly indicator values from Excel (or CSV), and the template to fill in.

Same approach as catalog/importing.py, through core/tabular.py: the file is read row by row (bounded memory) and every row checked before anything
is written; if any row is wrong the report lists each problem with its row, column and reason and
the database is untouched (services.import_indicator_values). Columns are found by their header:
`名称（单位）` exactly as the template writes it, or the indicator code; a header naming a known
indicator with another unit is refused (wrong unit) rather than guessed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from mengkeju.core import tabular
from mengkeju.core.excel import append_row
from mengkeju.core.tabular import ImportRejected, ImportReport, RowProblem

from .pack import SystemSpec

CREDIT_CODE = "credit_code"
NAME = "name"
CHAIN = "chain"
SIZE = "size_class"
FOUNDED = "founded_year"
FIXED_HEADERS = {
    CREDIT_CODE: ("统一社会信用代码", "credit_code"),
    NAME: ("企业名称", "name"),
    CHAIN: ("产业链", "chain"),
    SIZE: ("企业规模", "size_class"),
    FOUNDED: ("成立年份", "founded_year"),
}
# Digits before the decimal point that a stored value may have (IndicatorValue: 20 digits, 4 decimals).
INTEGER_DIGITS = 16
UNIT_IN_HEADER = re.compile(r"^(?P<name>.+?)\s*[（(](?P<unit>[^）)]*)[）)]\s*$")


def item_header(item) -> str:
    return f"{item.name}（{item.unit}）"


def template_headers(spec: SystemSpec) -> list[str]:
    """The fixed columns (the year of establishment only where the system has stages), then the items."""
    fixed = (CREDIT_CODE, NAME, CHAIN, SIZE, FOUNDED) if spec.stages else (CREDIT_CODE, NAME, CHAIN, SIZE)
    return [FIXED_HEADERS[k][0] for k in fixed] + [item_header(i) for i in spec.all_items]


def build_template(spec: SystemSpec, *, rows: list[list] | None = None, size_classes=()) -> bytes:
    """An .xlsx with the year's columns, one example-free sheet, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.year)
    headers = template_headers(spec)
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows or []:
        append_row(sheet, row)
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(14, len(header) * 2)
    sheet.freeze_panes = "C2"
    notes = book.create_sheet(_("Instructions"))
    append_row(notes, [_("Column"), _("Unit"), _("Rule")])
    notes.append(
        [FIXED_HEADERS[CREDIT_CODE][0], "", _("required; the enterprise registered on the platform")]
    )
    append_row(notes, [FIXED_HEADERS[CHAIN][0], "", _("optional; industry chain code or name")])
    notes.append(
        [
            FIXED_HEADERS[SIZE][0],
            "",
            _("optional; one of: %(codes)s")
            % {"codes": ", ".join(f"{c['code']}={c['name']}" for c in size_classes)},
        ]
    )
    for item in spec.all_items:
        rule = []
        if item.min is not None:
            rule.append(f"≥ {item.min}")
        if item.max is not None:
            rule.append(f"≤ {item.max}")
        if item.integer:
            rule.append(_("whole number"))
        append_row(notes, [item_header(item), item.unit, "; ".join(rule)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read_table(content: tabular.Source, file_name: str, report: ImportReport) -> tabular.Table:
    suffix = tabular.suffix_of(file_name)
    reader = tabular.READERS.get(suffix)
    if reader is None:
        report.reject(
            0, "", _("unsupported file type %(suffix)s; use .xlsx or .csv") % {"suffix": suffix or "?"}
        )
    return reader(content, report)


def _map_columns(header: list[str], spec: SystemSpec, report: ImportReport) -> dict[str, int]:
    """Column index per key (fixed keys and item codes); wrong units and missing columns are problems."""
    found: dict[str, int] = {}
    by_name = {i.name: i for i in spec.all_items}
    by_exact = {item_header(i): i for i in spec.all_items}
    by_code = {i.code: i for i in spec.all_items}
    for index, text in enumerate(header):
        if not text:
            continue
        fixed = next((k for k, names in FIXED_HEADERS.items() if text in names), None)
        if fixed:
            found.setdefault(fixed, index)
            continue
        item = by_exact.get(text.replace("(", "（").replace(")", "）")) or by_code.get(text)
        if item:
            found.setdefault(item.code, index)
            continue
        match = UNIT_IN_HEADER.match(text)
        if match and match["name"].strip() in by_name:
            item = by_name[match["name"].strip()]
            report.problems.append(
                RowProblem(
                    1,
                    text,
                    _("wrong unit %(given)r for %(name)s: the indicator system states %(unit)r")
                    % {"given": match["unit"], "name": item.name, "unit": item.unit},
                )
            )
            found.setdefault(item.code, -1)  # reported as wrong unit, not as missing
    for key in (CREDIT_CODE,):
        if key not in found:
            report.problems.append(RowProblem(1, FIXED_HEADERS[key][0], _("required column is missing")))
    for item in spec.all_items:
        if item.code not in found:
            report.problems.append(RowProblem(1, item_header(item), _("required column is missing")))
    return found


def _number(raw, item, row: int, column: str, problems: list[RowProblem]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if hasattr(item, "points"):  # a bonus item left empty counts as 0
            return Decimal(0)
        problems.append(RowProblem(row, column, _("a value is required")))
        return None
    if isinstance(raw, str) and raw.strip().endswith("%"):
        problems.append(
            RowProblem(
                row,
                column,
                _("write the number without a unit or %% sign (unit: %(unit)s)") % {"unit": item.unit},
            )
        )
        return None
    try:
        value = tabular.strict_decimal(raw)
    except ValueError:
        problems.append(RowProblem(row, column, _("%(value)r is not a number") % {"value": raw}))
        return None
    if value.adjusted() >= INTEGER_DIGITS:
        problems.append(RowProblem(row, column, _("%(value)s is implausibly large") % {"value": raw}))
        return None
    if item.min is not None and value < Decimal(str(item.min)):
        if item.min == 0:
            problems.append(RowProblem(row, column, _("must not be negative")))
        else:
            problems.append(
                RowProblem(
                    row,
                    column,
                    _("%(value)s is below the minimum %(min)s") % {"value": value, "min": item.min},
                )
            )
        return None
    if item.max is not None and value > Decimal(str(item.max)):
        problems.append(
            RowProblem(
                row,
                column,
                _("%(value)s is above the maximum %(max)s %(unit)s; check the unit")
                % {"value": value, "max": item.max, "unit": item.unit},
            )
        )
        return None
    if item.integer and value != value.to_integral_value():
        problems.append(RowProblem(row, column, _("must be a whole number")))
        return None
    return value.quantize(Decimal("0.0001"))


@dataclass
class ParsedRow:
    row: int
    credit_code: str
    chain_code: str
    size_class: str
    values: dict[str, Decimal]
    founded_year: int | None = None


def _text(raw, row: int, column: str, problems: list[RowProblem]) -> str:
    """A text cell, stripped of control characters; a NUL byte is a problem of the cell."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        return tabular.clean_text(str(raw)).strip()
    except ValueError as exc:
        problems.append(RowProblem(row, column, str(exc)))
        return ""


def read_workbook(
    content: tabular.Source,
    file_name: str,
    spec: SystemSpec,
    report: ImportReport,
    *,
    chains: dict[str, str],
    size_classes: dict[str, str],
) -> Iterator[ParsedRow]:
    """The rows of the file, checked column by column and read one at a time (bounded memory). `chains`
    and `size_classes` map accepted spellings (code or name) to codes. Raises ImportRejected when the
    file or a column is wrong, or when it has no data rows; problems of a row are added to `report`
    (the row is still yielded, with the values that were readable) for the caller, which adds its own
    (unknown enterprise, scope) before deciding."""
    table = _read_table(content, file_name, report)
    columns = _map_columns(table.header, spec, report)
    if report.problems:
        raise ImportRejected(report)
    problems = report.problems
    rows = 0
    for n, cells in table.rows:

        def cell(key, cells=cells):
            index = columns.get(key)
            return cells[index] if index is not None and 0 <= index < len(cells) else None

        rows += 1
        code = _text(cell(CREDIT_CODE), n, FIXED_HEADERS[CREDIT_CODE][0], problems).upper()
        if not code:
            problems.append(RowProblem(n, FIXED_HEADERS[CREDIT_CODE][0], _("a value is required")))
        chain_raw = _text(cell(CHAIN), n, FIXED_HEADERS[CHAIN][0], problems)
        chain_code = ""
        if chain_raw:
            chain_code = chains.get(chain_raw, "")
            if not chain_code:
                problems.append(
                    RowProblem(
                        n,
                        FIXED_HEADERS[CHAIN][0],
                        _("unknown industry chain %(value)r") % {"value": chain_raw},
                    )
                )
        size_raw = _text(cell(SIZE), n, FIXED_HEADERS[SIZE][0], problems)
        size_code = ""
        if size_raw:
            size_code = size_classes.get(size_raw, "")
            if not size_code:
                problems.append(
                    RowProblem(
                        n, FIXED_HEADERS[SIZE][0], _("unknown size class %(value)r") % {"value": size_raw}
                    )
                )
        founded_raw = _text(cell(FOUNDED), n, FIXED_HEADERS[FOUNDED][0], problems)
        founded = None
        if founded_raw:
            if founded_raw.isdigit() and 1900 <= int(founded_raw) <= spec.year:
                founded = int(founded_raw)
            else:
                problems.append(
                    RowProblem(
                        n,
                        FIXED_HEADERS[FOUNDED][0],
                        _("%(value)s is not a year of establishment between 1900 and %(year)s")
                        % {"value": founded_raw, "year": spec.year},
                    )
                )
        values = {}
        for item in spec.all_items:
            value = _number(cell(item.code), item, n, item_header(item), problems)
            if value is not None:
                values[item.code] = value
        yield ParsedRow(n, code, chain_code, size_code, values, founded)
    if rows == 0 and not any(p.row > 1 for p in problems):
        report.reject(0, "", _("the file has no data rows"))
