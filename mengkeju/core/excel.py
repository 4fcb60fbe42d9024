"""Small helpers for the Excel exports: a titled sheet with a header row, figures kept as numbers."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book, name: str, title: str, caption: str, header: list[str], rows: list[list], widths):
    """Title (row 1), caption (row 2), bold header (row 3), then the rows; the header stays in view."""
    sheet = book.create_sheet(name[:31])
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([caption])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"
    return sheet


def to_bytes(book) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
