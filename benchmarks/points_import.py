"""Peak memory (tracemalloc) and time of a 20,000-row innovation-points import, CSV and XLSX.

Per format: the check of a file refused at its last row (the whole file is read, nothing written);
with --import instead a full import of the CSV (slow under tracemalloc: minutes on a shared CPU).
Run: cd benchmarks && MENGKEJU_DEMO=1 ../.venv/bin/python points_import.py [ROWS] [--import]"""

import csv
import io
import sys
import time
import tracemalloc

from _setup import ROOT, django_with_fresh_db

django_with_fresh_db()

from django.core.management import call_command  # noqa: E402

from mengkeju.core.tabular import ImportRejected  # noqa: E402
from mengkeju.network.models import Division, Organization, User  # noqa: E402
from mengkeju.points.importing import template_headers  # noqa: E402
from mengkeju.points.pack import SystemSpec  # noqa: E402
from mengkeju.points.services import current_system, import_indicator_values, load_points_system  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS else 20_000
FULL_IMPORT = "--import" in sys.argv
YEAR = 2025
REGION = ROOT / "regions" / "inner-mongolia"

call_command("migrate", verbosity=0)
call_command("load_region", str(REGION), verbosity=0)
load_points_system(REGION)
system = current_system(YEAR)
spec = SystemSpec.from_definition(system.definition)
division = Division.objects.get(code="150200")
Organization.objects.bulk_create(
    Organization(
        code=f"bench-{n}",
        name=f"基准企业{n}",
        kind=Organization.Kind.ENTERPRISE,
        division=division,
        credit_code=f"91150200{n:09d}X",
    )
    for n in range(ROWS)
)
hq = User.objects.create(
    username="bench-hq",
    role=User.Role.HQ_OPERATOR,
    organization=Organization.objects.get(kind="headquarters"),
)


def value(item, n):
    if item.max is not None and item.max <= 1:
        return n % 2
    return (n % 50) + 1 if item.integer else round((n % 97) * 0.37 + 1, 2)


def rows(bad_last: bool):
    for n in range(ROWS):
        values = [value(item, n) for item in spec.all_items]
        if bad_last and n == ROWS - 1:
            values[0] = "abc"
        yield [f"91150200{n:09d}X", f"基准企业{n}", "rare-earth", "small", *values]


def as_csv(bad_last):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(template_headers(spec))
    writer.writerows(rows(bad_last))
    return buffer.getvalue().encode("utf-8")


def as_xlsx(bad_last):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(YEAR))
    sheet.append(template_headers(spec))
    for r in rows(bad_last):
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(label, content, name):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        report = import_indicator_values(content, name, year=YEAR, by=hq)
        outcome = f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    except ImportRejected as exc:
        outcome = f"refused, {len(exc.report.problems)} problem(s)"
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<28} {len(content) / 1e6:6.1f} MB file  peak {peak / 1e6:7.1f} MB  {elapsed:6.1f} s  {outcome}"
    )


if FULL_IMPORT:
    measure("csv import", as_csv(False), "bench.csv")
else:
    for fmt, build, name in (("csv", as_csv, "bench.csv"), ("xlsx", as_xlsx, "bench.xlsx")):
        measure(f"{fmt} check (refused)", build(True), name)
