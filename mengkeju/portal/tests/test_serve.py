"""`mengkeju serve`: gunicorn with N processes, and a start-up check that refuses a wrong database."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from mengkeju.portal.gunicorn_app import bind_address, default_workers, server_options
from mengkeju.portal.startup import database_label, startup_problem

ROOT = Path(settings.PROJECT_DIR)
READY = re.compile(r"Mengkeju is running: open (http://127\.0\.0\.1:\d+)/")


def mengkeju(args, env, timeout=60, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PGCONNECT_TIMEOUT": "5", **env}
    return subprocess.run(
        [sys.executable, "-m", "mengkeju.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def test_a_wrong_database_url_stops_the_server_before_it_opens_the_port(tmp_path):
    done = mengkeju(
        ["serve", "--port", "0"],
        {"DATABASE_URL": "postgres://nobody:s3cret@127.0.0.1:1/nope", "MENGKEJU_VAR_DIR": str(tmp_path)},
    )
    assert done.returncode == 2, done.stderr
    assert "Mengkeju is running" not in done.stdout
    assert "postgresql://nobody:***@127.0.0.1:1/nope" in done.stderr  # which database, password masked
    assert "s3cret" not in done.stderr
    assert "无法连接数据库" in done.stderr and "DATABASE_URL" in done.stderr  # what to do
    assert "Traceback" not in done.stderr


def test_an_unmigrated_database_stops_the_server_and_says_run_migrate(tmp_path):
    env = {"MENGKEJU_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}  # a fresh embedded SQLite database
    done = mengkeju(["serve", "--port", "0"], env)
    assert done.returncode == 2, done.stderr
    assert f"SQLite {tmp_path / 'mengkeju.sqlite3'}" in done.stderr
    assert "`mengkeju migrate`" in done.stderr and "contenttypes.0001_initial" in done.stderr


@pytest.mark.django_db
def test_the_test_database_passes_the_start_up_check():
    assert startup_problem() is None


def test_database_label_masks_the_password():
    label = database_label(
        {
            "ENGINE": "django.db.backends.postgresql",
            "USER": "mengkeju",
            "PASSWORD": "s3cret",
            "HOST": "db",
            "PORT": 5432,
            "NAME": "mengkeju",
        }
    )
    assert label == "postgresql://mengkeju:***@db:5432/mengkeju"
    assert (
        database_label({"ENGINE": "django.db.backends.sqlite3", "NAME": "/x/y.sqlite3"})
        == "SQLite /x/y.sqlite3"
    )


@pytest.mark.parametrize(("env", "expected"), [("3", 3), ("1", 1)])
def test_workers_come_from_web_workers(monkeypatch, env, expected):
    monkeypatch.setenv("WEB_WORKERS", env)
    assert default_workers() == expected


def test_default_workers_is_one_per_core_up_to_four(monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    assert default_workers() == max(1, min(len(os.sched_getaffinity(0)), 4))


def test_gunicorn_options_threads_no_preload_no_access_log():
    options = server_options("::", 8000, workers=3, threads=6)
    assert options["bind"] == ["[::]:8000"] and bind_address("127.0.0.1", 80) == "127.0.0.1:80"
    assert (options["workers"], options["worker_class"], options["threads"]) == (3, "gthread", 6)
    assert options["preload_app"] is False and options["accesslog"] is None and options["errorlog"] == "-"
    assert server_options("h", 1, 1, 1, access_log=True)["accesslog"] == "-"


@pytest.mark.django_db
def test_an_unexpected_error_under_api_answers_json(monkeypatch):
    from mengkeju.catalog.api.views import AchievementViewSet

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(AchievementViewSet, "list", broken)
    response = Client(raise_request_exception=False).get("/api/achievements/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"


@pytest.mark.slow
def test_serve_runs_two_worker_processes_and_stops_gracefully(tmp_path):
    env = {"MENGKEJU_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "MATCHING_EMBEDDER": "hashing"}
    assert mengkeju(["migrate", "--no-input", "-v", "0"], env, timeout=300).returncode == 0
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mengkeju.cli",
                "serve",
                "--port",
                "0",
                "--workers",
                "2",
                "--threads",
                "2",
            ],
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not (match := READY.search(log.read_text())) and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        assert match, log.read_text()
        with urllib.request.urlopen(f"{match.group(1)}/api/achievements/", timeout=30) as response:
            assert response.status == 200 and json.load(response)["count"] == 0
        while log.read_text().count("Booting worker with pid") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert log.read_text().count("Booting worker with pid") == 2, log.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
