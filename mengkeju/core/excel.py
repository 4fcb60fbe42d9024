"""Small helpers for the Excel exports: a titled sheet with a header row, figures kept as numbers.

Text from people (titles, reasons, names) is written as text, never as a formula: a value such as
`=HYPERLINK("http://…"&A1,"…")` or `=1+1` is stored as a string cell (it shows as typed and does not
run), and control characters Excel cannot store (e.g. `\x02` in a public listing) are removed instead
of failing the export. Every sheet goes through `append_row`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"  # amounts (Decimal yuan) and other fractional figures: separators, 2 decimals
INTEGER_FORMAT = "0"  # counts and years: integers as integers (no separator: 2025, not 2,025)
DATE_FORMAT = "yyyy-mm-dd"
# What a sheet name may not hold (Excel refuses these characters).
SHEET_NAME_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


# What spreadsheet programs read as the start of a formula (OWASP: CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value):
    """A value as it may be written to a cell: strings lose the control characters Excel refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_row(sheet, values) -> None:
    """Append one row; text that looks like a formula stays text (a string cell, not a formula)."""
    sheet.append([clean_text(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"


def number_cells(cells) -> None:
    """Figures formatted by kind instead of Excel's General: Decimal (money, scores) with thousands
    separators and two decimals, integers as integers, dates as dates."""
    for cell in cells:
        value = cell.value
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            cell.number_format = INTEGER_FORMAT
        elif isinstance(value, Decimal | float):
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, datetime | date):
            cell.number_format = DATE_FORMAT


def sheet_name(book, name) -> str:
    """A sheet name people read (pass a translated one), as Excel allows it: no []:*?/\\, at most 31
    characters, unique within the workbook."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", clean_text(str(name))).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate in book.sheetnames:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book, name: str, title: str, caption: str, header: list[str], rows: list[list], widths):
    """Title (row 1), caption (row 2), bold header (row 3), then the rows; the header stays in view.
    `name` is the sheet's tab, in the reader's language (a translated string, never an internal code);
    figures get number formats by kind (`number_cells`)."""
    sheet = book.create_sheet(sheet_name(book, name))
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=12)
    append_row(sheet, [caption])
    append_row(sheet, header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
        number_cells(sheet[sheet.max_row])
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"
    return sheet


def to_bytes(book) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
