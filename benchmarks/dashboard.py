"""How fast the HQ statistics dashboard renders over many registered contracts.

    .venv/bin/python benchmarks/dashboard.py [--contracts 50000] [--runs 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/dashboard.py

Uses a throwaway database: a temporary SQLite file by default, or the PostgreSQL database named by
DATABASE_URL (its tables are created by migrate and the generated rows stay; use an empty one).
Generates registered contracts with `mengkeju.insights.synthetic` (parties included), then renders
the whole-region dashboard and the Excel export of every table through Django's test client as an
HQ operator, and prints median / p95 / max wall time of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mengkeju-dashboard-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["MENGKEJU_VAR_DIR"] = str(workdir)
    os.environ["MATCHING_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from mengkeju.insights.synthetic import generate_registered_contracts
    from mengkeju.network.models import Organization, User
    from mengkeju.network.services import load_region_pack

    call_command("migrate", verbosity=0)
    load_region_pack(ROOT / "regions" / "inner-mongolia")
    t0 = time.perf_counter()
    made = generate_registered_contracts(args.contracts, seed=2025)
    print(
        f"{connection.vendor}: generated {made:,} registered contracts (with parties) in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    user = User.objects.create(
        username="bench-hq", role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq")
    )
    client = Client()
    client.force_login(user)
    for name, url in (
        ("HQ dashboard", reverse("insights:dashboard") + "?year=2025"),
        ("Excel export, all tables", reverse("insights:export") + "?year=2025&table=all"),
    ):
        client.get(url)  # warm: templates compiled, connection open
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"{name:<26} median {statistics.median(times):6.0f} ms · p95 {p95:6.0f} ms · "
            f"max {times[-1]:6.0f} ms ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
