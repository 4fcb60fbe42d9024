"""The guidance catalog (新技术产业化应用指导目录) as Excel and as a printable PDF.

The PDF uses reportlab's built-in CID font STSong-Light, as the registration certificate does, so no
font file ships with the project.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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
    book = Workbook()
    sheet = book.active
    sheet.title = str(catalog.year)
    sheet.append([catalog.title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([catalog.get_status_display()])
    sheet.append(_columns())
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for n, entry in enumerate(entries, start=1):
        sheet.append(_row(n, entry))
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate((6, 36, 24, 24, 10, 40, 40), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
