"""`mengkeju worker`: the background process — the one index writer, the job queue and the schedule.

- The index writer (if no other process holds `MATCHING_INDEX_DIR/.writer.lock`): on start it loads
  every index (rebuilding what cannot be read), replays what the index lost and reconciles it with the
  database; then it applies the outbox, embeds, saves generations, verifies checksums and reconciles
  periodically.
- The job queue (django-tasks' database backend): runs enqueued jobs on a second thread.
- The schedule (`settings.JOBS_SCHEDULE`): enqueues each daily job once per day.

Stops cleanly on SIGTERM / Ctrl+C; a kill -9 loses nothing (the outbox and the queue are in the database).
"""

from __future__ import annotations

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from mengkeju.jobs import recovery, schedule
from mengkeju.matching.writer import IndexWriter, WriterBusy

TICK_EVERY = 30.0


class Command(BaseCommand):
    help = "Run the background worker: the search-index writer, the job queue and scheduled jobs."

    def add_arguments(self, parser):
        parser.add_argument("--no-index", action="store_true", help="do not act as the index writer")
        parser.add_argument("--no-jobs", action="store_true", help="do not run queued jobs")
        parser.add_argument(
            "--until-idle",
            action="store_true",
            help="apply everything waiting (outbox and embeddings), then exit (scripts and tests)",
        )
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls when idle")

    def handle(self, no_index, no_jobs, until_idle, interval, **options):
        stopping = threading.Event()

        def stop(signum, frame):
            self.stdout.write(f"worker: {signal.strsignal(signum)}, stopping after the current step")
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        writer = None
        if not no_index and settings.MATCHING_ENABLED:
            writer = IndexWriter()
            try:
                writer.acquire()
            except WriterBusy as exc:
                self.stdout.write(f"worker: not writing the index: {exc}")
                writer = None
        if writer is not None:
            started = time.monotonic()
            self.stdout.write("worker: index writer starting: loading, replaying and reconciling …")
            self.stdout.flush()
            report = writer.start()
            for kind, done in report.items():
                index = writer.store.get(kind)
                self.stdout.write(
                    f"worker: {kind}: {len(index)} documents, generation {index.generation}, "
                    f"outbox {index.meta.get('outbox', 0)}; replayed {done['replayed']}, repaired "
                    f"{done['missing']} missing / {done['extra']} extra / {done['changed']} changed"
                )
            self.stdout.write(f"worker: index writer ready in {time.monotonic() - started:.1f} s")
            self.stdout.flush()

        runner = None
        if not no_jobs and not until_idle:
            requeued = recovery.requeue_orphans()
            if requeued:
                self.stdout.write(
                    f"worker: {requeued} job(s) left running by a killed worker are queued again"
                )
            runner = self._start_jobs()
        self.stdout.write("worker: running" + ("" if runner else " (no job queue)"))
        self.stdout.flush()

        next_tick = 0.0
        try:
            while not stopping.is_set():
                close_old_connections()
                did = False
                if writer is not None:
                    did = writer.step()
                if not no_jobs and time.monotonic() >= next_tick:
                    schedule.tick()
                    next_tick = time.monotonic() + TICK_EVERY
                if until_idle and not did:
                    break
                if not did:
                    stopping.wait(interval)
        finally:
            if runner is not None:
                runner.running = False
            if writer is not None:
                writer.beat(force=True)
                writer.release()
        if writer is not None:
            self.stdout.write(
                "worker: stopped; applied {applied} change(s), repaired {repaired}, rebuilt {rebuilt}, "
                "{save_errors} failed save(s)".format(**writer.stats)
            )

    def _start_jobs(self):
        from django_tasks import task_backends
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.management.commands.db_worker import Worker

        if not isinstance(task_backends["default"], DatabaseBackend):
            return None
        runner = Worker(
            queue_names=["*"],
            interval=1.0,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=recovery.worker_id(),
            excluded_queue_names=[],
        )
        threading.Thread(target=runner.run, name="mengkeju-jobs", daemon=True).start()
        return runner
