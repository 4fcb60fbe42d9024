"""Background jobs: a thin layer over django-tasks (the tasks API Django 6 adopted).

`@job(...)` turns a function into a task that runs in `mengkeju worker`, inside one transaction (a
failed run leaves no half-written data), retried with exponential back-off: each failed attempt is
recorded as a failed task result (visible to HQ on /jobs/ and in the admin) and the next attempt is
enqueued `backoff · 2^(attempt-1)` seconds later, up to `retries` more times.

Arguments must be JSON-serialisable (ids, strings, ISO dates), never model instances.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


def job(*, retries: int = 3, backoff: float = 30.0, priority: int = 0, atomic: bool = True):
    def wrap(func):
        @functools.wraps(func)
        def run(*args, _attempt: int = 1, **kwargs):
            try:
                if atomic:
                    with transaction.atomic():
                        return func(*args, **kwargs)
                return func(*args, **kwargs)
            except Exception:
                if _attempt <= retries:
                    delay = timedelta(seconds=backoff * 2 ** (_attempt - 1))
                    log.warning(
                        "%s failed (attempt %d of %d): retrying in %s",
                        func.__qualname__,
                        _attempt,
                        retries + 1,
                        delay,
                    )
                    retry_at = timezone.now() + delay
                    the_task.using(run_after=retry_at).enqueue(*args, _attempt=_attempt + 1, **kwargs)
                else:
                    log.error("%s failed after %d attempts", func.__qualname__, _attempt)
                raise

        the_task = task(priority=priority)(run)
        return the_task

    return wrap
