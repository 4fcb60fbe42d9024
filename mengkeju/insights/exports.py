"""Statistics tables as an Excel workbook: one sheet per table, figures as numbers (not text)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.styles import Font

from mengkeju.core.excel import MONEY_FORMAT, add_sheet, new_workbook, to_bytes

from .selectors import Table


def workbook(tables: list[Table], *, caption: str) -> bytes:
    book = new_workbook()
    for table in tables:
        sheet = add_sheet(
            book,
            table.title,  # the tab in the reader's language ("按年度"), not the code (by_year)
            table.title,
            caption,
            [
                table.key_title,
                _("Contracts"),
                _("Turnover (yuan)"),
                _("Technology-transaction amount (yuan)"),
            ],
            [
                [row.label, row.count, row.amount_yuan, row.transaction_amount_yuan]
                for row in [*table.rows, table.total]
            ],
            (28, 12, 22, 28),
        )
        for row in sheet.iter_rows(min_row=4, min_col=3, max_col=4):
            for cell in row:
                cell.number_format = MONEY_FORMAT
        for cell in sheet[sheet.max_row]:  # the total
            cell.font = Font(bold=True)
    return to_bytes(book)
