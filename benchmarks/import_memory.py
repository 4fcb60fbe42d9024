"""Peak memory of the catalog import: the public listings, then a 60,000-row JSON Lines file.

Each case runs in its own process on a fresh embedded database with the region loaded, so the peak
resident set (ru_maxrss) is that import's alone, Django and the models included. The 60,000-row file
repeats the public achievements with new ids (so every row is a new record).

    python benchmarks/import_memory.py            # both cases
    python benchmarks/import_memory.py --rows 60000
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import SHARED  # noqa: E402


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_big_file(rows: int) -> Path:
    """`rows` achievements: the public ones again and again, each with a new id."""
    records = [
        json.loads(line) for line in (SHARED / "achievements.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    path = Path(tempfile.mkdtemp(prefix="mengkeju-bench-")) / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(rows):
            out.write(json.dumps(dict(records[n % len(records)], id=f"B-{n:06d}"), ensure_ascii=False) + "\n")
    return path


def child(case: str, big: str) -> None:
    from _setup import ROOT, django_with_fresh_db

    django_with_fresh_db()
    from django.core.management import call_command

    from mengkeju.catalog.importing import import_file

    call_command("migrate", verbosity=0)
    call_command("load_region", str(ROOT / "regions" / "inner-mongolia"), verbosity=0)
    before = rss_mib()
    started = time.perf_counter()
    if case == "public":
        a = import_file(SHARED / "achievements.jsonl", "achievement", source="tech-market")
        d = import_file(SHARED / "demands.jsonl", "demand", source="tech-market", skip_invalid=True)
        what = f"{a.created} achievements + {d.created} demands created"
    else:
        path = Path(big)
        size = path.stat().st_size / 1e6
        a = import_file(path, "achievement", source="bench")
        what = f"{a.created} achievements created from a {size:.0f} MB file"
    elapsed = time.perf_counter() - started
    print(f"{case:<8} {what}: {elapsed:.1f} s, peak RSS {rss_mib():.0f} MiB (after set-up {before:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--case", choices=["public", "big"])
    parser.add_argument("--file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        child(args.case, args.file)
        return
    big = write_big_file(args.rows)
    for case in ("public", "big"):
        subprocess.run([sys.executable, __file__, "--case", case, "--file", str(big)], check=True)


if __name__ == "__main__":
    main()
