"""The service dashboard as an Excel workbook (figures as numbers, text never a formula)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mengkeju.core.excel import add_sheet, new_workbook, to_bytes


def _rows(figures) -> list[list]:
    return [
        [
            f.label,
            f.bookings,
            f.served,
            f.units_served,
            f.capacity,
            f.utilisation_percent,
            f.satisfaction,
            f.ratings,
            f.new_products,
            f.processes_validated,
            f.trl_raised,
            f.fees_yuan,
        ]
        for f in figures
    ]


def dashboard_workbook(year: int, figures: dict) -> bytes:
    header = [
        _("Name"),
        _("Bookings requested"),
        _("Bookings served"),
        _("Units served"),
        _("Capacity (units a year)"),
        _("Utilisation (per cent)"),
        _("Satisfaction (1–5)"),
        _("Ratings"),
        _("New products"),
        _("Processes validated"),
        _("TRL raised"),
        _("Fees (yuan)"),
    ]
    widths = (32, 12, 12, 12, 14, 12, 14, 10, 12, 14, 10, 16)
    caption = _("Year %(year)s; served = performed in the year") % {"year": year}
    book = new_workbook()
    add_sheet(
        book,
        _("By platform or service"),
        _("Service bookings by platform or service"),
        caption,
        header,
        _rows(figures["publishers"]),
        widths,
    )
    add_sheet(
        book,
        _("By industry chain"),
        _("Service bookings by industry chain"),
        caption,
        [_("Industry chain"), *header[1:]],
        _rows(figures["chains"]),
        widths,
    )
    return to_bytes(book)
