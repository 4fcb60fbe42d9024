"""Scheduled jobs, run from the worker (no cron): `settings.JOBS_SCHEDULE` lists each job's name, task
(dotted path of a `core.jobs.job`) and the local time of day (the region's time zone) it is due."""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from mengkeju.core import clock

from .models import ScheduledRun

log = logging.getLogger(__name__)


def entries() -> list[dict]:
    return [
        {"name": e["name"], "task": e["task"], "at": time.fromisoformat(e["at"])}
        for e in getattr(settings, "JOBS_SCHEDULE", [])
    ]


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue each job due today and not enqueued yet for today; returns the names enqueued."""
    local = clock.localtime(now or clock.now())
    enqueued = []
    for entry in entries():
        if local.time() < entry["at"]:
            continue
        period = local.date().isoformat()
        if ScheduledRun.objects.filter(name=entry["name"], period=period).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=entry["name"], period=period)
                result = import_string(entry["task"]).enqueue(period)
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another worker enqueued it first
        log.info("scheduled job %s for %s enqueued", entry["name"], period)
        enqueued.append(entry["name"])
    return enqueued
