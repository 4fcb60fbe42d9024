"""The open-challenges overview as an Excel workbook: by stage, by industry chain, and the money."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mengkeju.core.excel import MONEY_FORMAT, add_sheet, new_workbook, to_bytes


def overview_workbook(data: dict, *, caption: str) -> bytes:
    book = new_workbook()
    add_sheet(
        book,
        _("By stage"),
        _("Public challenges by stage"),
        caption,
        [_("Challenge stage"), _("Number of challenges")],
        [[str(label), n] for _value, label, n in data["by_stage"]],
        (24, 12),
    )
    chains = add_sheet(
        book,
        _("By industry chain"),
        _("Public challenges by industry chain"),
        caption,
        [_("Industry chain"), _("Number of challenges"), _("Budget (yuan)")],
        [[row["name"], row["count"], row["budget_yuan"]] for row in data["by_chain"]],
        (28, 12, 20),
    )
    money = add_sheet(
        book,
        _("Money"),
        _("Money"),
        caption,
        [_("Item"), _("Amount (yuan)")],
        [
            [_("budgets of public challenges"), data["budget_yuan"]],
            [_("money committed (awards)"), data["committed_yuan"]],
            [_("money released (tranches)"), data["released_yuan"]],
        ],
        (32, 20),
    )
    for sheet, column in ((chains, 3), (money, 2)):
        for row in sheet.iter_rows(min_row=4, min_col=column, max_col=column):
            row[0].number_format = MONEY_FORMAT
    return to_bytes(book)
