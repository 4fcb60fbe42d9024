"""Median and p95 response time of list pages with filters, on the demo data (then with public listings)."""

import os
import statistics
import time

from _setup import ROOT, SHARED, django_with_fresh_db

# Embed inside the load, so no background embedding competes with the measured requests.
os.environ.setdefault("MATCHING_SYNC", "1")
django_with_fresh_db()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from mengkeju.catalog.importing import import_file  # noqa: E402
from mengkeju.catalog.models import Achievement, Demand  # noqa: E402

URLS = [
    "/achievements/",
    "/achievements/?chain=rare-earth",
    "/achievements/?chain=dairy&trl_min=4&mode=license_ordinary",
    "/achievements/?division=150200&trl_min=5&trl_max=8&page=2",
    "/achievements/?q=稀土",
    "/demands/?chain=coal-chemical",
    "/demands/?division=150600&mode=joint_development",
    "/api/achievements/?chain=new-materials&trl_min=4",
]
RUNS = 40


def measure(label: str) -> None:
    client = Client(HTTP_HOST="localhost")
    print(f"\n{label}: {Achievement.objects.count()} achievements, {Demand.objects.count()} demands")
    print(f"{'url':<62} {'median ms':>10} {'p95 ms':>8}")
    medians = []
    for url in URLS:
        client.get(url)  # warm caches
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        medians.append(statistics.median(times))
        print(f"{url:<62} {statistics.median(times):>10.1f} {times[int(len(times) * 0.95) - 1]:>8.1f}")
    print(f"median of medians: {statistics.median(medians):.1f} ms; worst median: {max(medians):.1f} ms")


call_command("migrate", verbosity=0)
call_command("load_region", str(ROOT / "regions" / "inner-mongolia"), verbosity=0)
call_command("load_demo", "--no-progress", verbosity=0, stdout=open("/dev/null", "w"))
measure("demo data")
if (SHARED / "achievements.jsonl").is_file():
    # Filters and pagination at a larger catalog; the keyword row is left out here because embedding
    # 4,800 public listings inline would take minutes (it runs in the background in real use).
    from django.conf import settings

    settings.MATCHING_ENABLED = False
    import_file(SHARED / "achievements.jsonl", "achievement", source="tech-market")
    import_file(SHARED / "demands.jsonl", "demand", source="tech-market", skip_invalid=True)
    URLS.remove("/achievements/?q=稀土")
    measure("demo data + public listings (filters only)")
