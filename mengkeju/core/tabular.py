"""Tabular import: the part of every bulk import that is not about the domain.

An import reads the whole file and checks every row before anything is written. Each problem is a
`RowProblem` (row number, column, reason) collected in an `ImportReport`; if the file is refused, the
caller raises `ImportRejected(report)`, whose message lists the problems and says nothing was written.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row row 2, blank
rows count but are not yielded; row 0 is a problem with the file as a whole. The readers take a path or
the uploaded bytes and yield `(row number, cells)`; the apps map columns and check values themselves.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.etree import ElementTree

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


def not_utf8(report: ImportReport, sample: bytes, exc: UnicodeDecodeError, row: int = 0) -> NoReturn:
    """Refuse a text file that is not UTF-8, naming GBK when the bytes read as GBK (said, not guessed)."""
    try:
        sample.decode("gb18030")
        looks_gbk = True
    except UnicodeDecodeError:
        looks_gbk = False
    if looks_gbk:
        message = _("the file is not UTF-8 text (it looks like GBK); save it as UTF-8 and import it again")
    else:
        message = _("the file is not UTF-8 text; save it as UTF-8 and import it again")
    report.add(row, "", message)
    raise ImportRejected(report) from exc


def text_lines(source: Source, report: ImportReport) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 text file (a byte-order mark is allowed), one line at a time."""
    with _binary(source) as stream:
        for n, raw in enumerate(stream, start=1):
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield n, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                not_utf8(report, raw, exc, n)


def read_csv(source: Source, report: ImportReport) -> Table:
    """A UTF-8 CSV file (a byte-order mark, as Excel writes it, is allowed), read row by row."""
    stream = io.TextIOWrapper(_binary(source), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)

    def refuse(exc: UnicodeDecodeError) -> NoReturn:
        stream.close()
        not_utf8(report, exc.object, exc)

    try:
        header = _header(next(reader, []))
    except UnicodeDecodeError as exc:
        refuse(exc)
    except csv.Error as exc:
        stream.close()
        report.reject(1, "", _("not a readable CSV file: %(error)s") % {"error": exc})

    def rows() -> Iterator[tuple[int, list]]:
        with stream:
            try:
                for n, cells in enumerate(reader, start=2):
                    if not _is_blank(cells):
                        yield n, cells
            except UnicodeDecodeError as exc:
                refuse(exc)
            except csv.Error as exc:
                report.reject(reader.line_num, "", _("not a readable CSV file: %(error)s") % {"error": exc})

    return Table(header, rows())


def _merged_ranges(sheet) -> list:
    """The sheet's merged ranges, read from its XML (a read-only sheet does not load them)."""
    from openpyxl.worksheet.cell_range import CellRange

    ranges = []
    with sheet._get_source() as xml:
        for _event, element in ElementTree.iterparse(xml):
            if element.tag.endswith("}mergeCell"):
                ranges.append(CellRange(element.get("ref")))
            element.clear()
    return ranges


def read_xlsx(source: Source, report: ImportReport) -> Table:
    """The first sheet of an Excel workbook (.xlsx/.xlsm), cell values as Excel last saved them.

    Read in read-only (streaming) mode. A formula with no saved value and a cell in merged cells are
    reported as such (and the row is not yielded) rather than read as an empty cell."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    def unreadable(exc: Exception) -> NoReturn:
        report.add(0, "", _("not a readable Excel workbook: %(error)s") % {"error": exc})
        raise ImportRejected(report) from exc

    def open_book(data_only: bool):
        return load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else Path(source),
            read_only=True,
            data_only=data_only,
        )

    try:
        book, formulas = open_book(True), open_book(False)
        merged = _merged_ranges(book.worksheets[0])
        values = book.worksheets[0].iter_rows(values_only=True)
        written = formulas.worksheets[0].iter_rows(values_only=True)
        header = _header(next(values, ()))
        next(written, None)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        unreadable(exc)

    def column_name(index: int) -> str:
        name = header[index] if index < len(header) else ""
        return name or get_column_letter(index + 1)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for n, cells in enumerate(values, start=2):
                typed = next(written, ())
                if _is_blank(cells) and not any(isinstance(v, str) and v.startswith("=") for v in typed):
                    continue
                before = len(report.problems)
                for index, value in enumerate(cells):
                    code = typed[index] if index < len(typed) else None
                    if value is None and isinstance(code, str) and code.startswith("="):
                        report.add(
                            n,
                            column_name(index),
                            _(
                                "a formula without a saved value; open the file in Excel, save it, and import it again"
                            ),
                        )
                for cells_range in merged:
                    if cells_range.min_row <= n <= cells_range.max_row:
                        for index in range(cells_range.min_col - 1, cells_range.max_col):
                            report.add(
                                n,
                                column_name(index),
                                _("part of merged cells %(range)s; unmerge them and fill in every row")
                                % {"range": cells_range.coord},
                            )
                if len(report.problems) == before:
                    yield n, list(cells)
        except Exception as exc:  # a damaged sheet may fail only part-way through
            unreadable(exc)
        finally:
            book.close()
            formulas.close()

    return Table(header, rows())


READERS: dict[str, Callable[[Source, ImportReport], Table]] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "xlsm": read_xlsx,
}


# Control characters other than tab and line breaks (as core/excel.py removes them on export).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Text from a file as it may be stored: stray control characters (e.g. `\\x02` in a public
    listing) are removed; a NUL byte is refused (ValueError), as it marks a damaged or binary file."""
    if "\x00" in value:
        raise ValueError(_("contains a NUL character (a damaged or binary file?)"))
    return CONTROL_CHARACTERS.sub("", value)


# A number as people write it: digits, optional thousands separators (ASCII or full-width comma) and a
# decimal point. No exponent, inf or NaN: "1e400" is not a number here (it would be read as 1,400).
NUMBER = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SIGNED_NUMBER = re.compile(rf"^-?\s*(?:{NUMBER})$")


def strict_decimal(value) -> Decimal:
    """A cell's number as a Decimal: an int or float as the file stored it, or text matching NUMBER
    (with an optional minus sign). true/false, exponents, inf and NaN raise ValueError."""
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a number") % {"value": value})
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - str(float) is always a Decimal
            raise ValueError(_("%(value)r is not a number") % {"value": value}) from exc
    elif isinstance(value, str) and _SIGNED_NUMBER.match(value.strip()):
        number = Decimal(re.sub(r"[\s,，]", "", value))
    else:
        raise ValueError(_("%(value)r is not a number") % {"value": value})
    if not number.is_finite():
        raise ValueError(_("%(value)r is not a number") % {"value": value})
    return number
