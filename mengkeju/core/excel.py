"""Small helpers for the Excel exports: a titled sheet with a header row, figures kept as numbers.

Text from people (titles, reasons, names) is written as text, never as a formula: a value such as
`=HYPERLINK("http://…"&A1,"…")` or `=1+1` is stored as a string cell (it shows as typed and does not
run), and control characters Excel cannot store (e.g. `\x02` in a public listing) are removed instead
of failing the export. Every sheet goes through `append_row`.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"


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


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book, name: str, title: str, caption: str, header: list[str], rows: list[list], widths):
    """Title (row 1), caption (row 2), bold header (row 3), then the rows; the header stays in view."""
    sheet = book.create_sheet(clean_text(name)[:31])
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=12)
    append_row(sheet, [caption])
    append_row(sheet, header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"
    return sheet


def to_bytes(book) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
