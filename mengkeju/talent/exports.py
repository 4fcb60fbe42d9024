"""The talent dashboard's figures in one place, and the same figures as an Excel workbook
(core.excel: text stays text, a name starting with "=" never runs as a formula)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mengkeju.core import excel

from . import dashboard


def figures() -> dict:
    return {
        "by_chain": dashboard.tier_by_chain(),
        "by_division": dashboard.tier_by_division(),
        "by_year": dashboard.tier_by_year(),
        "flows_by_kind": dashboard.flows_by_kind(),
        "flows_by_division": dashboard.flows_by_division(),
    }


def _matrix_sheet(book, name: str, title: str, first: str, matrix) -> None:
    header = [first, *(t.label for t in matrix.tiers), _("Total")]
    rows = [[label, *values, total] for label, _code, values, total in matrix.lines()]
    excel.add_sheet(
        book,
        name,
        title,
        _("People of the talent pool, by their tier."),
        header,
        rows,
        [24] + [14] * (len(header) - 1),
    )


def workbook(data: dict) -> bytes:
    book = excel.new_workbook()
    _matrix_sheet(
        book, _("By chain"), _("Talent by tier and industry chain"), _("Industry chain"), data["by_chain"]
    )
    _matrix_sheet(
        book, _("By division"), _("Talent by tier and division"), _("Division"), data["by_division"]
    )
    _matrix_sheet(book, _("By year"), _("Talent by tier at the end of each year"), _("Year"), data["by_year"])
    for name, title, rows in (
        (_("Flows by kind"), _("Talent exchange between kinds of organizations"), data["flows_by_kind"]),
        (_("Flows by division"), _("Talent exchange between divisions"), data["flows_by_division"]),
    ):
        excel.add_sheet(
            book,
            name,
            title,
            _("Confirmed, active and ended exchanges."),
            [_("Sending"), _("Host"), _("Exchanges")],
            [list(r) for r in rows],
            [28, 28, 12],
        )
    return excel.to_bytes(book)
