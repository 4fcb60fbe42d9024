"""For tests that need queued jobs to run: the `job_queue` fixture (conftest.py) returns a function
that runs everything ready, as `mengkeju worker` would.

    def test_...(job_queue):
        ...
        job_queue()
"""

from __future__ import annotations


def run_ready_jobs() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


def job_queue(monkeypatch):
    """Workers close stale connections between jobs; inside a test's transaction that would close the
    test's own connection (PostgreSQL), so here they leave it alone."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return run_ready_jobs
