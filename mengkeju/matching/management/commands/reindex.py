import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from mengkeju.matching.adapter import KINDS, MODELS, _published, store


class Command(BaseCommand):
    help = "Rebuild the search indexes from the database (embeddings come from the cache when unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, kind, no_progress, **options):
        for name in KINDS if kind == "all" else [kind]:
            started = time.perf_counter()
            total = _published(name).count() if name in MODELS else None
            with tqdm(total=total, desc=f"{name} index", unit=" passages", disable=no_progress) as bar:
                index = store.rebuild(name, progress=bar.update)
            self.stdout.write(
                f"{name}: {len(index)} published records indexed in {time.perf_counter() - started:.1f} s"
            )
        if kind in ("all", "demand"):
            started = time.perf_counter()
            total = _published("demand").count()
            with tqdm(total=total, desc="demand queries", unit=" demands", disable=no_progress) as bar:
                done = store.prepare_demand_queries(progress=bar.update)
            self.stdout.write(
                f"demand queries: {done} embedded ahead of time ({total - done} already prepared) "
                f"in {time.perf_counter() - started:.1f} s"
            )
