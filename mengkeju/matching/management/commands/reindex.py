import time

from django.conf import settings
from django.core.management.base import BaseCommand
from tqdm import tqdm

from mengkeju.matching import outbox
from mengkeju.matching.adapter import KINDS, MODELS, IndexStore, _published, backend_named, store
from mengkeju.matching.writer import IndexWriter, WriterBusy


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes from the database (embeddings come from the cache when unchanged). "
        "When `mengkeju worker` is running, the rebuild is handed to it (the one index writer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--backend",
            choices=["local", "milvus"],
            default=None,
            help="build this backend's index (default: MATCHING_BACKEND's). Building the one the platform "
            "does not serve is how to migrate: e.g. `reindex --backend milvus`, then set "
            "MATCHING_BACKEND=milvus. A Milvus build goes live when it is complete (alias swap).",
        )

    def handle(self, kind, no_progress, backend=None, **options):
        kinds = KINDS if kind == "all" else [kind]
        if backend and backend != settings.MATCHING_BACKEND:
            # Not the served backend: nobody else writes it, so no writer lock and no hand-off.
            self.stdout.write(
                f"building the {backend} index (the platform serves {settings.MATCHING_BACKEND}: set "
                f"MATCHING_BACKEND={backend} to serve this one)"
            )
            other = IndexStore()
            other.backend = backend_named(backend)
            other.writer = True
            self._rebuild(kinds, kind, no_progress, other)
            return
        writer = IndexWriter(store)
        try:
            writer.acquire()
        except WriterBusy:
            for name in kinds:
                outbox.request_rebuild(name)
            self.stdout.write(
                f"the index writer (mengkeju worker) is running: it will rebuild {', '.join(kinds)}; "
                "follow it on /jobs/ or /healthz"
            )
            return
        try:
            self._rebuild(kinds, kind, no_progress, store)
        finally:
            writer.release()

    def _rebuild(self, kinds, kind, no_progress, store):
        for name in kinds:
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
