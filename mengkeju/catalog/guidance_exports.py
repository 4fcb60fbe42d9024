"""The guidance catalog (新技术产业化应用指导目录) as Excel and as a printable PDF.

The PDF uses reportlab's built-in CID font STSong-Light, as the registration certificate does, so no
font file ships with the project.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mengkeju.core.excel import add_sheet, new_workbook, to_bytes

from .models import GuidanceCatalog, GuidanceEntry

CJK_FONT = "STSong-Light"


def _columns() -> list[str]:
    return [
        _("No."),
        _("Technology (achievement)"),
        _("Owner"),
        _("Industry chain links"),
        _("Maturity (TRL)"),
        _("Reason for inclusion"),
        _("Recommended application scenario"),
    ]


def _row(n: int, entry: GuidanceEntry) -> list:
    a = entry.achievement
    links = "、".join(f"{link.name}" for link in a.chain_links.all())
    return [n, a.title, a.owner.name, links, a.trl, entry.reason, entry.application_scenario]


def workbook(catalog: GuidanceCatalog, entries: list[GuidanceEntry]) -> bytes:
    book = new_workbook()
    sheet = add_sheet(
        book,
        str(catalog.year),
        catalog.title,
        catalog.get_status_display(),
        _columns(),
        [_row(n, entry) for n, entry in enumerate(entries, start=1)],
        (6, 36, 24, 24, 10, 40, 40),
    )
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return to_bytes(book)


def pdf(catalog: GuidanceCatalog, entries: list[GuidanceEntry]) -> bytes:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    title_style = ParagraphStyle("title", fontName=CJK_FONT, fontSize=16, leading=22, alignment=1)
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=8.5, leading=11, wordWrap="CJK")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=catalog.title,
        invariant=1,
    )
    data = [[Paragraph(escape(str(c)), cell) for c in _columns()]]
    for n, entry in enumerate(entries, start=1):
        data.append([Paragraph(escape(str(v)), cell) for v in _row(n, entry)])
    table = Table(
        data, colWidths=[10 * mm, 50 * mm, 35 * mm, 35 * mm, 14 * mm, 64 * mm, 64 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [Paragraph(escape(catalog.title), title_style), Spacer(1, 6 * mm)]
    if catalog.introduction:
        story += [Paragraph(escape(catalog.introduction), cell), Spacer(1, 4 * mm)]
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
