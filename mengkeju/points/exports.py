"""The ranking as an Excel workbook: scores as numbers (not text), 4 decimal places."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .pack import SystemSpec

SCORE_FORMAT = "0.0000"


def ranking_workbook(scores, run, *, caption: str) -> bytes:
    spec = SystemSpec.from_definition(run.system.definition)
    book = Workbook()
    sheet = book.active
    sheet.title = str(run.year)
    sheet.append([_("Innovation points ranking %(year)s") % {"year": run.year}])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([caption])
    header = [
        _("Rank"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("Division"),
        _("Tier"),
        _("Total score"),
        _("Indicator points"),
        *[name for _code, name, _w in spec.groups],
        _("Bonus points"),
        _("Activity points"),
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for score in scores:
        org = score.organization
        sheet.append(
            [
                score.rank,
                org.name,
                org.credit_code,
                org.division.name,
                score.tier,
                score.total,
                score.indicator_points,
                *[score.breakdown["g"].get(code, 0.0) for code, _n, _w in spec.groups],
                score.bonus_points,
                score.activity_points,
            ]
        )
        for cell in sheet[sheet.max_row][5:]:
            cell.number_format = SCORE_FORMAT
    for column, width in enumerate((8, 36, 22, 14, 8), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C4"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
