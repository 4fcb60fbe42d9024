"""Tabular import: the part of every bulk import that is not about the domain.

An import reads the whole file and checks every row before anything is written. Each problem is a
`RowProblem` (row number, column, reason) collected in an `ImportReport`; if the file is refused, the
caller raises `ImportRejected(report)`, whose message lists the problems and says nothing was written.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row row 2, blank
rows count but are not yielded; row 0 is a problem with the file as a whole. The readers take a path or
the uploaded bytes and yield `(row number, cells)`; the apps map columns and check values themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NoReturn

from django.utils.translation import gettext as _

MAX_PROBLEMS_SHOWN = 200

Source = Path | str | bytes


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import read and did. `source` names the file in messages (its path or upload name)."""

    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})

    def add(self, row: int, column: str, message: str) -> None:
        self.problems.append(RowProblem(row, column, message))

    def reject(self, row: int, column: str, message: str) -> NoReturn:
        """Record a problem that stops the import here and refuse the file."""
        self.add(row, column, message)
        raise ImportRejected(self)


class ImportRejected(Exception):
    """The file was refused and nothing was written; `report` lists every problem found."""

    def __init__(self, report: ImportReport):
        self.report = report
        shown = "\n".join(str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN])
        more = len(report.problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            shown += "\n" + _("… and %(n)s more problems") % {"n": more}
        super().__init__(
            _("%(path)s was not imported (nothing was written): %(n)s problems\n%(list)s")
            % {"path": report.source, "n": len(report.problems), "list": shown}
        )


@dataclass
class Table:
    """A file's header (stripped text) and its non-blank rows as (row number, cells), read lazily."""

    header: list[str]
    rows: Iterator[tuple[int, list]]

    def records(self) -> Iterator[tuple[int, dict]]:
        """The rows as header → value dicts (cells beyond the header are dropped)."""
        for n, cells in self.rows:
            yield n, dict(zip(self.header, cells, strict=False))


def suffix_of(name: str | Path) -> str:
    """The file's extension in lower case without the dot ("" when it has none)."""
    return Path(str(name)).suffix.lower().lstrip(".")


def _is_blank(cells: Iterable) -> bool:
    return all(value in (None, "") for value in cells)


def _header(cells) -> list[str]:
    return [str(value).strip() if value is not None else "" for value in cells]


def _binary(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb")


def read_csv(source: Source, report: ImportReport) -> Table:
    """A UTF-8 CSV file (a byte-order mark, as Excel writes it, is allowed)."""
    stream = io.TextIOWrapper(_binary(source), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)

    def not_utf8(exc: UnicodeDecodeError) -> NoReturn:
        stream.close()
        report.add(0, "", _("the CSV file is not UTF-8 text"))
        raise ImportRejected(report) from exc

    try:
        header = _header(next(reader, []))
    except UnicodeDecodeError as exc:
        not_utf8(exc)

    def rows() -> Iterator[tuple[int, list]]:
        with stream:
            try:
                for n, cells in enumerate(reader, start=2):
                    if not _is_blank(cells):
                        yield n, cells
            except UnicodeDecodeError as exc:
                not_utf8(exc)

    return Table(header, rows())


def read_xlsx(source: Source, report: ImportReport) -> Table:
    """The first sheet of an Excel workbook (.xlsx/.xlsm), cell values as Excel computed them."""
    from openpyxl import load_workbook

    def unreadable(exc: Exception) -> NoReturn:
        report.add(0, "", _("not a readable Excel workbook: %(error)s") % {"error": exc})
        raise ImportRejected(report) from exc

    try:
        book = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else Path(source), read_only=True, data_only=True
        )
        values = book.worksheets[0].iter_rows(values_only=True)
        header = _header(next(values, ()))
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        unreadable(exc)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for n, cells in enumerate(values, start=2):
                if not _is_blank(cells):
                    yield n, list(cells)
        except Exception as exc:  # a damaged sheet may fail only part-way through
            unreadable(exc)
        finally:
            book.close()

    return Table(header, rows())


READERS: dict[str, Callable[[Source, ImportReport], Table]] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "xlsm": read_xlsx,
}
