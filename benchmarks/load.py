"""Throughput and latency of `mengkeju serve` under concurrent users, one web process against two.

Starts the server itself, once per --workers value (default 1 then 2, the same --threads), against
the same database, puts the same locust load on each (benchmarks/locustfile.py: browsing, filters,
Chinese keyword search, detail pages with recommendations, the JSON API, workspaces, ~5 % writes),
and prints requests, failures, req/s and p50/p95/p99 per configuration and the throughput ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_bench \\
        .venv/bin/python benchmarks/load.py --prepare            # first time: migrate + demo data
    .venv/bin/python benchmarks/load.py --database-url postgres://… --users 50 --duration 60

Needs the `bench` extra (locust). The machine's cores are shared by the server, PostgreSQL and
locust: read the ratio with that in mind.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
READY = re.compile(r"Mengkeju is running: open (http://\S+?)/?\s*$", re.M)
WARM_URLS = ["/", "/achievements/?q=%E7%A8%80%E5%9C%9F", "/demands/?q=%E5%85%89%E4%BC%8F", "/achievements/"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--prepare", action="store_true", help="migrate, load the region and the demo data")
    parser.add_argument("--users", type=int, default=50, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=60, help="seconds of measured load per configuration")
    parser.add_argument("--workers", default="1,2", help="web processes per run, comma separated")
    parser.add_argument("--threads", type=int, default=8, help="threads per web process")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between a user's requests")
    parser.add_argument(
        "--hashing", action="store_true", help="MATCHING_EMBEDDER=hashing: skip the real embedding model"
    )
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "load-bench"), help="index, cache, media")
    parser.add_argument("--endpoints", action="store_true", help="also print each endpoint's figures")
    return parser.parse_args(argv)


def environment(args) -> dict[str, str]:
    env = {**os.environ, "MENGKEJU_VAR_DIR": args.var_dir, "PYTHONPATH": str(ROOT)}
    env.setdefault("MENGKEJU_DEMO", "1")  # demo data and a local demo key
    env.pop("MATCHING_SYNC", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.hashing:
        env["MATCHING_EMBEDDER"] = "hashing"
    return env


def mengkeju(env, *command: str) -> None:
    started = time.monotonic()
    print(f"$ mengkeju {' '.join(command)}", flush=True)
    subprocess.run([sys.executable, "-m", "mengkeju.cli", *command], env=env, cwd=ROOT, check=True)
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)


def prepare(env) -> None:
    """What `mengkeju demo` does (portal/management/commands/demo.py), then the search index."""
    region = ROOT / "regions" / "inner-mongolia"
    mengkeju(env, "migrate", "--no-input", "-v", "0")
    mengkeju(env, "load-region", str(region))
    mengkeju(env, "load_points_system", str(region / "points.yaml"))
    mengkeju(env, "load-demo")


def catch_up(env) -> None:
    """The schema and the search index up to date before measuring: the index writer applies what is
    waiting and embeds it, then exits (no worker runs during the measured minutes: the figures are the
    web tier's; in production the worker runs beside it)."""
    mengkeju(env, "migrate", "--no-input", "-v", "0")
    mengkeju(env, "worker", "--until-idle", "--no-jobs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`mengkeju serve` in a subprocess; its output goes to a log file read for the ready line."""

    def __init__(self, env, workers: int, threads: int, log: Path):
        self.log = log
        port = free_port()
        argv = [sys.executable, "-m", "mengkeju.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--workers", str(workers), "--threads", str(threads)]
        self.handle = log.open("w")
        self.process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT)
        self.url = self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = READY.search(self.log.read_text(errors="replace"))
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped (status {self.process.returncode}):\n{self.output()}")
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server did not start in {timeout:.0f} s:\n{self.output()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the arbiter and its live workers so far."""
        import psutil  # installed with locust

        parent = psutil.Process(self.process.pid)
        return sum(sum(p.cpu_times()[:2]) for p in [parent, *parent.children(recursive=True)])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful stop
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.handle.close()


def warm_up(url: str, workers: int) -> None:
    """Each process loads its search index and templates on first use: do that before measuring."""

    errors = []

    def fetch(path):
        try:
            with urllib.request.urlopen(url + path, timeout=120) as response:
                response.read()
        except OSError as exc:  # HTTPError and URLError included
            errors.append(f"{path}: {exc}")

    for _round in range(3):
        threads = [threading.Thread(target=fetch, args=(p,)) for p in WARM_URLS * workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise SystemExit("warm-up failed: " + "; ".join(errors[:5]))


def run_locust(env, url: str, args, prefix: Path) -> float:
    """Runs locust to the end; returns its CPU seconds."""
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url]
    argv += ["--users", str(args.users), "--spawn-rate", str(args.users), "--run-time", f"{args.duration}s"]
    argv += ["--reset-stats", "--only-summary", "--csv", str(prefix), "--stop-timeout", "10"]
    argv += ["--loglevel", "WARNING"]
    env = {**env, "LOAD_THINK_S": str(args.think)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust failed (status {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_stats(prefix: Path) -> tuple[dict, list[dict]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return total, [r for r in rows if r["Name"] != "Aggregated"]


def failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def server_errors(log: str) -> int:
    return log.count("Traceback (most recent call last)")


def main(argv=None) -> int:
    args = parse_args(argv)
    env = environment(args)
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    database = re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", args.database_url) or "SQLite under --var-dir"
    embedder = "hashing (MATCHING_EMBEDDER=hashing)" if args.hashing else env.get("MATCHING_EMBEDDER", "e5")
    print(f"database: {database}; embedder: {embedder}; cores: {os.cpu_count()}", flush=True)
    if args.prepare:
        prepare(env)
    catch_up(env)
    out = Path(tempfile.mkdtemp(prefix="mengkeju-load-"))
    results = []
    for workers in [int(w) for w in args.workers.split(",")]:
        log = out / f"server-w{workers}.log"
        server = Server(env, workers, args.threads, log)
        try:
            print(f"\n--workers {workers} --threads {args.threads} at {server.url}: warming up …", flush=True)
            warm_up(server.url, workers)
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"{args.users} users for {args.duration} s (load average before: {load}) …", flush=True)
            prefix = out / f"w{workers}"
            server_cpu, started = server.cpu_seconds(), time.monotonic()
            locust_cpu = run_locust(env, server.url, args, prefix)
            wall = time.monotonic() - started
            cpu = {"server": (server.cpu_seconds() - server_cpu) / wall, "locust": locust_cpu / wall}
        finally:
            server.stop()
        total, rows = read_stats(prefix)
        results.append((workers, total, rows, failures(prefix), server_errors(server.output()), cpu))

    print(f"\n{args.users} users, {args.duration} s each, think time {args.think} s, threads {args.threads}")
    header = f"{'workers':>7} {'requests':>9} {'failures':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    header += f" {'server cores':>12} {'locust cores':>12}"
    print(header)
    for workers, total, _rows, _fails, _errors, cpu in results:
        print(
            f"{workers:>7} {total['Request Count']:>9} {total['Failure Count']:>9} "
            f"{float(total['Requests/s']):>7.1f} {total['50%']:>7} {total['95%']:>7} {total['99%']:>7}"
            f" {cpu['server']:>12.2f} {cpu['locust']:>12.2f}"
        )
    if len(results) >= 2:
        base, last = float(results[0][1]["Requests/s"]), float(results[-1][1]["Requests/s"])
        print(f"throughput ratio {results[-1][0]} / {results[0][0]} workers: {last / base:.2f}×")
    # Cores the server really got (its CPU seconds over the run's wall time): on a shared machine the
    # ratio above is bounded by this, whatever the number of workers.
    for workers, total, _rows, _fails, _errors, cpu in results:
        per_core = float(total["Requests/s"]) / cpu["server"] if cpu["server"] else 0
        print(f"{workers} workers: {per_core:.1f} req/s per server core")
    for workers, _total, rows, fails, errors, _cpu in results:
        if args.endpoints:
            print(f"\n--workers {workers}: {'endpoint':<32} {'n':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
            for r in sorted(rows, key=lambda r: -int(r["50%"] or 0)):
                print(
                    f"{'':>13}{r['Name'][:32]:<32} {r['Request Count']:>6} {r['50%']:>6} {r['95%']:>6} {r['99%']:>6}"
                )
        for fail in fails:
            print(
                f"  failure ({workers} workers): {fail['Method']} {fail['Name']}: {fail['Error']} × {fail['Occurrences']}"
            )
        if errors:
            print(f"  server log ({workers} workers): {errors} tracebacks, see {out}")
    print(f"\nlogs and CSV files: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
