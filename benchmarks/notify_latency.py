"""Does a slow mail server lengthen the request that causes a notification? (It must not: mail is sent
by the worker, never inside the request.)

    .venv/bin/python benchmarks/notify_latency.py [--requests 15] [--delay 2.0] [--members 3]

A throwaway SQLite database (or DATABASE_URL, an empty one), the region pack, an enterprise with
`--members` members (each with an e-mail address) and a headquarters reviewer. A real local SMTP server
(aiosmtpd, the `test` extra) runs on a free port and Django's SMTP backend points at it. For each
phase — the server answering at once, then the server waiting `--delay` s before accepting each
message — the reviewer publishes `--requests` submitted demands through the API
(POST /api/demands/<id>/publish/, which notifies every member, kind review) and each request's time is
taken; then the worker's queue is run and the time the mails take to arrive is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--members", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mengkeju-notify-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["MENGKEJU_VAR_DIR"] = str(workdir)
    os.environ["MATCHING_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")
    os.environ.setdefault("MENGKEJU_DEMO", "1")  # the demo key; nothing here is served
    os.environ.update({"NOTIFY_BY_EMAIL": "1", "API_THROTTLE_USER": "100000/min"})
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from mengkeju.catalog.models import Status
    from mengkeju.catalog.tests.factories import DemandFactory
    from mengkeju.jobs.testing import run_ready_jobs
    from mengkeju.network.models import Organization, User
    from mengkeju.network.services import load_region_pack
    from mengkeju.network.tests.factories import OrganizationFactory, UserFactory
    from mengkeju.notifications.models import Notification
    from mengkeju.notifications.tests.smtp_server import local_smtp

    setup_test_environment()  # the test client's host name is allowed
    call_command("migrate", verbosity=0)
    load_region_pack(ROOT / "regions" / "inner-mongolia")
    owner = OrganizationFactory(name="基准测试磁材有限公司")
    for n in range(args.members):
        UserFactory(role=User.Role.MEMBER, organization=owner, email=f"member{n}@example.cn")
    reviewer = UserFactory(
        role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(kind="headquarters")
    )
    client = Client()
    client.force_login(reviewer)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_USE_TLS = "127.0.0.1", False

    def phase(delay: float) -> list[float]:
        demands = [DemandFactory(owner=owner, status=Status.SUBMITTED) for _ in range(args.requests + 1)]
        with local_smtp(delay=delay) as inbox:
            settings.EMAIL_PORT = inbox.port
            times = []
            for i, demand in enumerate(demands):
                started = time.perf_counter()
                answer = client.post(
                    f"/api/demands/{demand.pk}/publish/", {}, content_type="application/json"
                )
                elapsed = time.perf_counter() - started
                assert answer.status_code == 200, answer.content
                if i:  # the first request warms caches up; not counted
                    times.append(elapsed * 1000)
            started = time.perf_counter()
            run_ready_jobs()
            worker = time.perf_counter() - started
            print(
                f"SMTP delay {delay:.1f} s: {len(times)} publish requests, median {statistics.median(times):.1f} ms, "
                f"p95 {_percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms; "
                f"the worker then delivered {len(inbox.messages)} mails in {worker:.1f} s"
            )
        return times

    normal, slow = phase(0.0), phase(args.delay)
    delta = statistics.median(slow) - statistics.median(normal)
    print(
        f"difference of medians (slow − normal): {delta:+.1f} ms (limit: within 100 ms); "
        f"notifications written: {Notification.objects.count()}"
    )


if __name__ == "__main__":
    main()
