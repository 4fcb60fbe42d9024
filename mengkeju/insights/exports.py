"""Statistics tables as an Excel workbook: one sheet per table, figures as numbers (not text)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .selectors import Table

MONEY_FORMAT = "#,##0.00"


def workbook(tables: list[Table], *, caption: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([caption])
        header = [
            table.key_title,
            _("Contracts"),
            _("Turnover (yuan)"),
            _("Technology-transaction amount (yuan)"),
        ]
        sheet.append(header)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in [*table.rows, table.total]:
            sheet.append([row.label, row.count, row.amount_yuan, row.transaction_amount_yuan])
            for cell in sheet[sheet.max_row][2:4]:
                cell.number_format = MONEY_FORMAT
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for column, width in zip(range(1, 5), (28, 12, 22, 28), strict=True):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A4"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
