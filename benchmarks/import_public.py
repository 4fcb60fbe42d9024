"""Time the import of the public tech-market listings into a fresh database."""

import time

from _setup import ROOT, SHARED, django_with_fresh_db

django_with_fresh_db()

from django.core.management import call_command  # noqa: E402

from mengkeju.catalog.importing import import_file  # noqa: E402

if not (SHARED / "achievements.jsonl").is_file():
    raise SystemExit(f"public listings not found at {SHARED}")
call_command("migrate", verbosity=0)
call_command("load_region", str(ROOT / "regions" / "inner-mongolia"), verbosity=0)
for run in ("first import", "re-import (idempotent)"):
    started = time.perf_counter()
    a = import_file(SHARED / "achievements.jsonl", "achievement", source="tech-market")
    d = import_file(SHARED / "demands.jsonl", "demand", source="tech-market", skip_invalid=True)
    elapsed = time.perf_counter() - started
    print(
        f"{run}: {elapsed:.2f} s — achievements {a.rows} rows ({a.created} created, {a.unchanged} unchanged), "
        f"demands {d.rows} rows ({d.created} created, {d.unchanged} unchanged, {d.rejected_rows} rejected)"
    )
