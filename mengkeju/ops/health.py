"""What operators read about the running platform: database, index lag, job queue, the worker."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

WORKER_STALE_AFTER = 60.0  # seconds without a heartbeat before the index writer counts as down
LAG_WARNING = 120.0  # seconds an outbox row may wait before the health check says "degraded"


def database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is the answer, not an error
        return {"ok": False, "error": str(exc).splitlines()[0][:200]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), "vendor": connection.vendor}


def index() -> dict:
    from mengkeju.matching import outbox
    from mengkeju.matching.adapter import KINDS, store
    from mengkeju.matching.writer import read_heartbeat
    from mengkeju.retrieval.errors import EngineError

    kinds = {}
    for kind in KINDS:
        try:
            generation = store.backend.current_generation(store.folder(kind))
        except EngineError as exc:  # a search backend elsewhere (Milvus) that cannot be reached
            kinds[kind] = {"generation": None, "error": str(exc).splitlines()[0][:200]}
            continue
        loaded = store.loaded(kind)
        kinds[kind] = {
            "generation": generation,
            "served": loaded.generation if loaded is not None else None,
            "documents": len(loaded) if loaded is not None else None,
        }
    beat = read_heartbeat()
    age = round(time.time() - beat["at"], 1) if beat else None
    writer = {
        "alive": beat is not None and age is not None and age < WORKER_STALE_AFTER,
        "last_seen_seconds": age,
        "pid": beat.get("pid") if beat else None,
        "embedding": beat.get("embedding", []) if beat else [],
    }
    return {"kinds": kinds, "lag": outbox.lag(), "writer": writer, "sync": settings.MATCHING_SYNC}


def jobs() -> dict:
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - timedelta(days=1)
    results = DBTaskResult.objects.all()
    return {
        "ready": results.ready().count(),
        "running": results.running().count(),
        "failed_24h": results.failed().filter(finished_at__gte=since).count(),
        "succeeded_24h": results.successful().filter(finished_at__gte=since).count(),
    }


def health() -> tuple[str, dict]:
    """("ok" | "degraded" | "down", details): down when the database cannot be reached; degraded when
    the index writer is not running, changes wait too long, or jobs failed in the last day."""
    db = database()
    report = {"database": db}
    if not db["ok"]:
        return "down", report
    report["index"] = index()
    report["jobs"] = jobs()
    problems = []
    if not report["index"]["sync"] and not report["index"]["writer"]["alive"]:
        problems.append("index writer not running (start `mengkeju worker`)")
    if report["index"]["lag"]["oldest_pending_seconds"] > LAG_WARNING:
        problems.append(f"index changes waiting longer than {LAG_WARNING:.0f} s")
    if report["jobs"]["failed_24h"]:
        problems.append(f"{report['jobs']['failed_24h']} job(s) failed in the last 24 hours")
    report["problems"] = problems
    return ("degraded" if problems else "ok"), report


def recent_results(limit: int = 50):
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("-enqueued_at")[:limit])
