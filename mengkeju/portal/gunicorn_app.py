"""Gunicorn run from Python, so the console script `mengkeju serve` needs no gunicorn command line.

One arbiter process forks N worker processes (gthread: T threads each). The application is loaded
in each worker after the fork (no preload): every process opens its own database connections and
loads its own search index on first use, so nothing opened before the fork is shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """WEB_WORKERS if set, else one process per core, at most 4 (each holds its own search index)."""
    configured = os.environ.get("WEB_WORKERS")
    if configured:
        return int(configured)
    try:
        cores = len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def server_options(host: str, port: int, workers: int, threads: int, access_log: bool = False) -> dict:
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,  # a worker whose main loop is silent this long is killed and replaced
        "graceful_timeout": 30,  # on stop or reload, requests in flight get this long to finish
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",  # stderr
        "loglevel": os.environ.get("GUNICORN_LOG_LEVEL", "info"),
        "proc_name": "mengkeju",
        "preload_app": False,
        # Gunicorn's control socket defaults to one path per user: two servers would share it.
        "control_socket_disable": True,
    }


class MengkejuServer(BaseApplication):
    """The Mengkeju WSGI application under gunicorn; `on_ready(host, port)` runs once the port listens."""

    def __init__(self, options: dict, on_ready: Callable[[str, int], None] | None = None):
        self.options = options
        self.on_ready = on_ready
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.on_ready is not None:
            self.cfg.set("when_ready", self._when_ready)

    def _when_ready(self, arbiter) -> None:
        # Called in the arbiter once every socket is bound and listening, before the workers fork.
        host, port = arbiter.LISTENERS[0].sock.getsockname()[:2]
        self.on_ready(host, port)

    def load(self):
        from mengkeju.wsgi import application

        return application
