"""Production mode is safe: settings refuse to start without their secrets, demo commands refuse to run,
`check --deploy` passes with the documented production environment."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).parent.parent / "mengkeju" / "settings.py"
PRODUCTION = {
    "MENGKEJU_DEMO": "0",
    "SECRET_KEY": "k8Qz-3vNw7pL0aX2mR9tY5uB1cD4eF6gH8jK0lZ2xC4vB6nM8qW0",
    "ALLOWED_HOSTS": "mengkeju.example.cn",
}


def load_settings(monkeypatch, tmp_path, **env):
    for name in ("MENGKEJU_DEMO", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "MENGKEJU_BEHIND_TLS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MENGKEJU_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_without_demo_mode_the_secret_key_is_required(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(monkeypatch, tmp_path, ALLOWED_HOSTS="mengkeju.example.cn")


def test_without_demo_mode_allowed_hosts_is_required(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        load_settings(monkeypatch, tmp_path, SECRET_KEY="x" * 64)


def test_production_settings_are_strict(monkeypatch, tmp_path):
    s = load_settings(monkeypatch, tmp_path, **PRODUCTION)
    assert s["ALLOWED_HOSTS"] == ["mengkeju.example.cn"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert "SECURE_PROXY_SSL_HEADER" not in s  # opt-in only
    assert s["SESSION_COOKIE_AGE"] == 12 * 3600  # a working day, not Django's two weeks
    s = load_settings(
        monkeypatch, tmp_path, **PRODUCTION, MENGKEJU_BEHIND_TLS_PROXY="1", SECURE_HSTS_SECONDS="600"
    )
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["SECURE_HSTS_SECONDS"] == 600


def test_demo_mode_is_explicit_and_relaxed(monkeypatch, tmp_path):
    s = load_settings(monkeypatch, tmp_path, MENGKEJU_DEMO="1")
    assert s["DEMO_MODE"] and s["ALLOWED_HOSTS"] == ["*"] and not s["SECURE_SSL_REDIRECT"]


@pytest.mark.parametrize("value", ["ture", "2", "enabled"])
def test_a_mistyped_boolean_stops_start_up(monkeypatch, tmp_path, value):
    with pytest.raises(ImproperlyConfigured, match="MENGKEJU_DEMO"):
        load_settings(monkeypatch, tmp_path, MENGKEJU_DEMO=value)


@pytest.mark.parametrize(("value", "demo"), [("YES", True), ("On", True), ("false", False), ("0", False)])
def test_booleans_accept_the_usual_words(monkeypatch, tmp_path, value, demo):
    s = load_settings(monkeypatch, tmp_path, **{**PRODUCTION, "MENGKEJU_DEMO": value})
    assert s["DEMO_MODE"] is demo


def run_cli(tmp_path, *args, **env):
    # Not the test run's own switches: demo mode, its database, and the async override the browser
    # tests set for Playwright (a deployment must not carry it, and `check --deploy` says so).
    dropped = {"MENGKEJU_DEMO", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update(MENGKEJU_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "mengkeju.cli", *args], env=full, capture_output=True, text=True
    )


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    done = run_cli(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, MENGKEJU_BEHIND_TLS_PROXY="1"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_load_demo_refuses_in_production_and_creates_no_admin(tmp_path):
    assert run_cli(tmp_path, "migrate", "--verbosity", "0", **PRODUCTION).returncode == 0
    done = run_cli(tmp_path, "load-demo", "--no-progress", **PRODUCTION)
    assert done.returncode != 0
    assert "MENGKEJU_DEMO=1" in done.stderr
    count = run_cli(
        tmp_path,
        "shell",
        "-c",
        "from mengkeju.network.models import User; print(User.objects.filter(is_superuser=True).count())",
        **PRODUCTION,
    )
    assert count.stdout.strip().splitlines()[-1] == "0", count.stderr
