"""Nothing published is lost from search with several web processes (issue 12's acceptance, measured).

Starts one `mengkeju worker` and two `mengkeju serve` processes on one database and one var folder,
then checks from outside, over HTTP only (log in, API writes, the ranked list search `/demands/?q=`):

1. `concurrent`: 24 demands created, submitted and published at once, alternating the two web
   processes; time until every one is findable on both (target: 30 s).
2. `flows`: 100 create → edit → submit → publish flows, each step on the other process; how many
   of 100 are findable (by the edited title) on both, and when.
3. `kill-worker` (with --kill): 1,000 demands imported by `mengkeju import` while the worker runs;
   the worker is killed with SIGKILL while applying them, then started again; all 1,000 findable.
4. `kill-import` (with --kill): an import killed with SIGKILL right after its transaction commits;
   every imported record findable.

    python benchmarks/scaleout.py --prepare                    # PostgreSQL database `scaleout`
    python benchmarks/scaleout.py --prepare --kill --embedder hashing

`--prepare` (re)creates the database and loads the region and the demo data. Needs PostgreSQL for
honest concurrency (the default URL); SQLite works for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MENGKEJU = [sys.executable, "-m", "mengkeju.cli"]
PASSWORD = "mengkeju-demo"
DEMAND = {
    "problem": "我公司永磁同步电机在180℃工况下出现不可逆退磁，需要提高磁体耐温性能并优化散热结构。",
    "indicators": "工作温度≥180℃；不可逆磁通损失≤3%",
    "division": "150200",
    "chain_links": ["rare-earth.applications"],
    "cooperation_modes": ["joint_development"],
    "budget_yuan": "800000",
}


def code() -> str:
    """A word no listing holds: letters only, so the segmenter keeps it whole."""
    return "kz" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


class Platform:
    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir, self.procs = env, log_dir, {}

    def run(self, *args, check=True, timeout=3600):
        return subprocess.run([*MENGKEJU, *args], env=self.env, check=check, timeout=timeout, cwd=ROOT)

    def start(self, name: str, *args, ready: str, timeout: float = 900) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")
        proc = subprocess.Popen(
            [*MENGKEJU, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, text=True
        )
        self.procs[name] = proc
        deadline = time.monotonic() + timeout
        while ready not in (self.log_dir / f"{name}.log").read_text(errors="replace"):
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited ({proc.returncode}): see {self.log_dir / name}.log")
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} not ready after {timeout:.0f} s")
            time.sleep(0.2)
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=60)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


class Web:
    """One web process seen from outside: a logged-in session per demo user."""

    def __init__(self, base: str):
        self.base = base
        self.sessions: dict[str, requests.Session] = {}

    def session(self, username: str) -> requests.Session:
        if username not in self.sessions:
            s = requests.Session()
            s.get(f"{self.base}/accounts/login/", timeout=30)
            r = s.post(
                f"{self.base}/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": s.cookies["csrftoken"],
                },
                headers={"Referer": f"{self.base}/accounts/login/"},
                timeout=30,
            )
            r.raise_for_status()
            if "sessionid" not in s.cookies:
                raise SystemExit(f"cannot log in as {username} on {self.base}")
            self.sessions[username] = s
        return self.sessions[username]

    def api(self, username: str, method: str, path: str, **kwargs):
        s = self.session(username)
        headers = {"X-CSRFToken": s.cookies.get("csrftoken", ""), "Referer": f"{self.base}/"}
        r = s.request(method, f"{self.base}{path}", headers=headers, timeout=120, **kwargs)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} on {self.base}: {r.status_code} {r.text[:300]}")
        return r.json()

    def findable(self, word: str, pk: int) -> bool:
        r = requests.get(f"{self.base}/demands/", params={"q": word}, timeout=120)
        r.raise_for_status()
        return f"/demands/{pk}/" in r.text


def wait_findable(webs: list[Web], items: list[tuple[str, int]], limit: float) -> tuple[float | None, int]:
    """Seconds until every (word, pk) is findable on every web process (None: not within `limit`),
    and how many were findable on all at the end."""
    started = time.monotonic()
    remaining = set(items)
    pool = ThreadPoolExecutor(8)
    while True:
        batch = list(remaining)
        found = pool.map(lambda item: all(web.findable(*item) for web in webs), batch)
        for item, ok in zip(batch, found, strict=True):
            if ok:
                remaining.discard(item)
        if not remaining:
            pool.shutdown()
            return round(time.monotonic() - started, 1), len(items)
        if time.monotonic() - started > limit:
            pool.shutdown()
            return None, len(items) - len(remaining)
        time.sleep(0.5)


def concurrent(webs: list[Web], n: int = 24) -> dict:
    def one(i: int):
        web, other = webs[i % 2], webs[(i + 1) % 2]
        word = code()
        made = web.api("enterprise", "POST", "/api/demands/", json={**DEMAND, "title": f"扩容验证需求{word}"})
        web.api("enterprise", "POST", f"/api/demands/{made['id']}/submit/", json={})
        other.api("hq", "POST", f"/api/demands/{made['id']}/publish/", json={})
        return word, made["id"]

    started = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        items = list(pool.map(one, range(n)))
    published = time.monotonic() - started
    seconds, found = wait_findable(webs, items, limit=120)
    return {
        "published": n,
        "publish_seconds": round(published, 1),
        "findable_on_both": found,
        "seconds": seconds,
    }


def flows(webs: list[Web], n: int = 100) -> dict:
    items = []
    started = time.monotonic()
    for i in range(n):
        a, b = webs[i % 2], webs[(i + 1) % 2]
        made = a.api("enterprise", "POST", "/api/demands/", json={**DEMAND, "title": f"流程验证需求{code()}"})
        word = code()
        edited = b.api(
            "enterprise",
            "PATCH",
            f"/api/demands/{made['id']}/",
            json={"title": f"流程验证需求{word}", "version": made["version"]},
        )
        a.api("enterprise", "POST", f"/api/demands/{edited['id']}/submit/", json={})
        b.api("hq", "POST", f"/api/demands/{edited['id']}/publish/", json={})
        items.append((word, made["id"]))
    published = time.monotonic() - started
    seconds, found = wait_findable(webs, items, limit=120)
    return {"flows": n, "flow_seconds": round(published, 1), "findable_on_both": found, "seconds": seconds}


def import_file(folder: Path, n: int) -> tuple[Path, list[str]]:
    words = [code() for _ in range(n)]
    path = folder / f"scaleout-{uuid.uuid4().hex[:6]}-demands.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i, word in enumerate(words):
            row = {"id": f"S-{word}", "name": f"导入验证需求{word}", "text": f"{DEMAND['problem']}批次{i}。"}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path, words


def imported_ids(env: dict, words: list[str]) -> list[tuple[str, int]]:
    script = (
        "import json,sys,django;django.setup();from mengkeju.catalog.models import Demand;"
        "words=json.load(sys.stdin);"
        "ids=dict(Demand.objects.filter(external_id__in=['S-'+w for w in words]).values_list('external_id','pk'));"
        "print(json.dumps(ids))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(words),
        env={**env, "DJANGO_SETTINGS_MODULE": "mengkeju.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    ids = json.loads(out)
    return [(w, ids[f"S-{w}"]) for w in words if f"S-{w}" in ids]


def start_import(platform: Platform, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*MENGKEJU, "import", str(path), "--kind", "demands", "--source", "scaleout", "--no-progress"],
        env={**platform.env, "PYTHONUNBUFFERED": "1"},  # the report line arrives when printed
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_committed(platform: Platform, proc: subprocess.Popen, words: list[str]) -> None:
    """Until the import's transaction has committed (its first row is visible) or it has exited."""
    while proc.poll() is None and not imported_ids(platform.env, words[:1]):
        time.sleep(0.05)


def health(web: Web) -> dict:
    return requests.get(f"{web.base}/healthz", timeout=30).json()


def kill_worker(platform: Platform, webs: list[Web], work: Path, n: int = 1000) -> dict:
    path, words = import_file(work, n)
    proc = start_import(platform, path)
    wait_committed(platform, proc, words)
    # The worker is applying the 1,000 changes (then embedding them): kill it as soon as /healthz
    # shows changes waiting, or after 3 s (then it is embedding them).
    deadline, before = time.monotonic() + 3, health(webs[0])
    while before["index"]["lag"]["pending_changes"] == 0 and time.monotonic() < deadline:
        before = health(webs[0])
    platform.kill("worker")
    proc.communicate()
    at_kill = {
        "pending_changes": before["index"]["lag"]["pending_changes"],
        "embedding": before["index"]["writer"]["embedding"],
    }
    started = time.monotonic()
    platform.start("worker", "worker", ready="worker: running")
    items = imported_ids(platform.env, words)
    seconds, found = wait_findable(webs, items, limit=900)
    return {
        "import_exit": proc.returncode,
        "imported": len(items),
        "worker_at_kill": at_kill,
        "findable_on_both": found,
        "seconds_after_restart": None if seconds is None else round(time.monotonic() - started, 1),
    }


def kill_import(platform: Platform, webs: list[Web], work: Path, n: int = 300) -> dict:
    path, words = import_file(work, n)
    proc = start_import(platform, path)
    line = proc.stdout.readline()  # the report: printed once the import's transaction has committed
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate()
    items = imported_ids(platform.env, words)
    seconds, found = wait_findable(webs, items, limit=900)
    return {
        "imported": len(items),
        "killed_after_commit": killed,
        "import_exit": proc.returncode,
        "import_output": (line + rest).strip()[-300:],
        "findable_on_both": found,
        "seconds": seconds,
    }


def full_disk(platform: Platform, webs: list[Web], index_dir: Path, n: int = 20) -> dict:
    """Fill the file system holding the index, publish `n` demands, free the space: the worker logs
    and retries, the web processes keep answering, every demand becomes findable."""
    filler = index_dir.parent / "filler.bin"
    block = b"\0" * (1 << 20)
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(block)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            pass
    items, statuses = [], []
    for i in range(n):
        web, other = webs[i % 2], webs[(i + 1) % 2]
        word = code()
        made = web.api("enterprise", "POST", "/api/demands/", json={**DEMAND, "title": f"满盘验证需求{word}"})
        web.api("enterprise", "POST", f"/api/demands/{made['id']}/submit/", json={})
        other.api("hq", "POST", f"/api/demands/{made['id']}/publish/", json={})
        statuses.append(200)
        items.append((word, made["id"]))
    time.sleep(10)
    during = health(webs[0])
    alive = {name: proc.poll() is None for name, proc in platform.procs.items()}
    pages = [requests.get(f"{web.base}/demands/", timeout=60).status_code for web in webs]
    filler.unlink()
    seconds, found = wait_findable(webs, items, limit=300)
    log = (platform.log_dir / "worker.log").read_text(errors="replace")
    return {
        "published": len(statuses),
        "processes_alive_while_full": alive,
        "pages_while_full": pages,
        "pending_while_full": during["index"]["lag"]["pending_changes"],
        "save_errors_logged": log.count("could not save the search index"),
        "findable_on_both_after_space_back": found,
        "seconds_after_space_back": seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scaleout"),
    )
    parser.add_argument("--var", default=None, help="the shared var folder (default: a new temporary one)")
    parser.add_argument("--prepare", action="store_true", help="(re)create the database and load the demo")
    parser.add_argument("--embedder", choices=["e5", "hashing"], default="e5")
    parser.add_argument("--kill", action="store_true", help="also run the kill -9 checks")
    parser.add_argument("--ports", default="8101,8102")
    parser.add_argument(
        "--full-disk",
        metavar="MOUNT",
        help="a small empty file system (e.g. `mount -t tmpfs -o size=64m tmpfs MOUNT`) to hold the index; "
        "runs the full-disk check",
    )
    args = parser.parse_args()

    var = Path(args.var or tempfile.mkdtemp(prefix="mengkeju-scaleout-"))
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "MENGKEJU_VAR_DIR": str(var),
        "MATCHING_EMBEDDER": args.embedder,
        "MATCHING_SYNC": "0",
        "LOG_LEVEL": "WARNING",
        "MENGKEJU_DEMO": os.environ.get("MENGKEJU_DEMO", "1"),  # demo data, a local demo key
    }
    if args.full_disk:
        env["MATCHING_INDEX_DIR"] = str(Path(args.full_disk) / "index")
    platform = Platform(env, var)
    if args.prepare:
        if args.database_url.startswith("postgres"):
            import psycopg

            name = re.sub(r"\?.*$", "", args.database_url.rsplit("/", 1)[1])
            admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        started = time.monotonic()
        platform.run("migrate", "-v", "0")
        platform.run("load-region", str(ROOT / "regions" / "inner-mongolia"))
        platform.run("load_points_system", str(ROOT / "regions" / "inner-mongolia" / "points.yaml"))
        platform.run("load-demo", "--no-progress")
        print(f"prepared in {time.monotonic() - started:.0f} s")
    platform.run("migrate", "-v", "0")  # the database may be older than this checkout
    results = {}
    try:
        started = time.monotonic()
        platform.start("worker", "worker", ready="worker: running")
        print(f"worker ready in {time.monotonic() - started:.1f} s")
        ports = [int(p) for p in args.ports.split(",")]
        for i, port in enumerate(ports):
            platform.start(f"web{i + 1}", "serve", "--port", str(port), ready="Mengkeju is running")
        webs = [Web(f"http://127.0.0.1:{port}") for port in ports]
        results["concurrent"] = concurrent(webs)
        print("concurrent:", results["concurrent"], flush=True)
        results["flows"] = flows(webs)
        print("flows:", results["flows"], flush=True)
        if args.kill:
            results["kill_worker"] = kill_worker(platform, webs, var)
            print("kill-worker:", results["kill_worker"], flush=True)
            results["kill_import"] = kill_import(platform, webs, var)
            print("kill-import:", results["kill_import"], flush=True)
        if args.full_disk:
            results["full_disk"] = full_disk(platform, webs, Path(env["MATCHING_INDEX_DIR"]))
            print("full-disk:", results["full_disk"], flush=True)
    finally:
        platform.stop_all()
    print(
        json.dumps(
            {"embedder": args.embedder, "database": args.database_url.split("@")[-1], **results}, indent=1
        )
    )
    ok = results["concurrent"]["seconds"] is not None and results["concurrent"]["seconds"] <= 30
    ok = ok and results["flows"]["findable_on_both"] == 100
    for key in ("kill_worker", "kill_import"):
        if key in results:
            ok = ok and results[key]["findable_on_both"] == results[key]["imported"]
    if "full_disk" in results:
        ok = (
            ok
            and results["full_disk"]["findable_on_both_after_space_back"] == results["full_disk"]["published"]
        )
    return 0 if ok else 1


if __name__ == "__main__":
    threading.current_thread().name = "scaleout"
    raise SystemExit(main())
