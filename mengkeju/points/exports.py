"""The ranking as an Excel workbook: scores as numbers (not text), 4 decimal places."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mengkeju.core.excel import add_sheet, new_workbook, to_bytes

from .pack import SystemSpec

SCORE_FORMAT = "0.0000"


def ranking_workbook(scores, run, *, caption: str) -> bytes:
    spec = SystemSpec.from_definition(run.system.definition)
    book = new_workbook()
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
    rows = [
        [
            score.rank,
            score.organization.name,
            score.organization.credit_code,
            score.organization.division.name,
            score.tier,
            score.total,
            score.indicator_points,
            *[score.breakdown["g"].get(code, 0.0) for code, _n, _w in spec.groups],
            score.bonus_points,
            score.activity_points,
        ]
        for score in scores
    ]
    sheet = add_sheet(
        book,
        str(run.year),
        _("Innovation points ranking %(year)s") % {"year": run.year},
        caption,
        header,
        rows,
        (8, 36, 22, 14, 8),
    )
    for row in sheet.iter_rows(min_row=4, min_col=6):
        for cell in row:
            cell.number_format = SCORE_FORMAT
    sheet.freeze_panes = "C4"  # rank and name stay in view
    return to_bytes(book)
