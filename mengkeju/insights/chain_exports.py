"""The chain map's gap list and coverage as an Excel workbook (figures as numbers, not text)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mengkeju.core.excel import add_sheet, new_workbook, to_bytes

from .chain_map import ChainMap, gap_rows


def gaps_workbook(maps: list[ChainMap], *, caption: str) -> bytes:
    book = new_workbook()
    add_sheet(
        book,
        _("Gaps"),
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
    add_sheet(
        book,
        _("Coverage"),
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
    return to_bytes(book)
