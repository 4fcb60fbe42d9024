"""Run calls at the same instant on separate database connections (for row-lock tests on PostgreSQL)."""

import threading

from django.db import connections


def run_together(*calls):
    """Run each call in its own thread (own DB connection), released at the same instant by a barrier.
    Returns (results, errors), one entry per call in order; an exception is collected, not raised."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # collected and checked by the test
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors
