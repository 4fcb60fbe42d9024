"""The chain map's gap list and coverage as an Excel workbook (figures as numbers, not text)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .chain_map import ChainMap, gap_rows


def _sheet(book, name: str, title: str, caption: str, header: list[str], rows: list[list], widths):
    sheet = book.create_sheet(name)
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


def gaps_workbook(maps: list[ChainMap], *, caption: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        "gaps",
        _("Chain links with demand but no whitelisted platform or no supply"),
        caption,
        [
            _("Industry chain"),
            _("Link"),
            _("Stage"),
            _("Open demands"),
            _("Whitelisted platforms"),
            _("Published achievements"),
            _("Gap"),
        ],
        [
            [
                r["chain"].name,
                r["link"].name,
                str(r["stage"]),
                r["open_demands"],
                r["whitelisted_platforms"],
                r["achievements"],
                "；".join(r["reasons"]),
            ]
            for r in gap_rows(maps)
        ],
        (24, 28, 10, 12, 14, 14, 48),
    )
    _sheet(
        book,
        "coverage",
        _("Whitelisted-platform coverage of each chain"),
        caption,
        [_("Industry chain"), _("Links"), _("Covered links"), _("Coverage (%)"), _("Gaps"), _("Flagged")],
        [
            [
                m.chain.name,
                len(m.links),
                m.covered_links,
                float(m.coverage_percent),
                len(m.gaps),
                _("yes") if m.flagged else _("no"),
            ]
            for m in maps
        ],
        (24, 10, 14, 14, 10, 10),
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
