"""The worker command, /healthz and the operators' page /jobs/."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mengkeju.catalog import services
from mengkeju.catalog.models import Action, Status
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.matching import adapter
from mengkeju.matching.models import IndexChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """The worker closes stale connections between steps; inside a test's transaction that would
    close the test's own connection (PostgreSQL), so here it leaves it alone."""
    from mengkeju.ops.management.commands import worker

    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def test_healthz_reports_database_lag_and_queue(client, settings, orgs, people):
    settings.MATCHING_SYNC = False
    achievement = AchievementFactory(status=Status.SUBMITTED, owner=orgs["enterprise"])
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    IndexChange.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["index"]["lag"]["pending_changes"] == 1
    assert body["index"]["lag"]["oldest_pending_seconds"] >= 299
    assert body["index"]["writer"]["alive"] is False
    assert any("mengkeju worker" in p for p in body["problems"])
    assert body["jobs"]["failed_24h"] == 0


def test_healthz_is_down_without_a_database(client, monkeypatch):
    from mengkeju.ops import health

    monkeypatch.setattr(health, "database", lambda: {"ok": False, "error": "connection refused"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": {"ok": False, "error": "connection refused"}}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("owner", 403),
        ("staff_in_scope", 403),
        ("broker_in_scope", 403),
        ("expert", 403),
        ("hq_operator", 200),
        ("platform_admin", 200),
    ],
)
def test_only_headquarters_and_admins_see_the_jobs_page(client, people, who, status):
    if people[who]:
        client.force_login(people[who])
    response = client.get("/jobs/")
    assert response.status_code == status
    if status == 200:
        assert 'id="recent-jobs"' in response.content.decode()


def test_the_worker_command_applies_the_outbox_and_exits_when_idle(settings, orgs, people):
    settings.MATCHING_SYNC = False
    achievement = AchievementFactory(
        status=Status.SUBMITTED, owner=orgs["enterprise"], title="苜蓿种子丸粒化包衣技术"
    )
    services.transition(achievement, Action.PUBLISH, by=people["hq_operator"])
    out = io.StringIO()
    call_command("worker", "--until-idle", "--no-jobs", stdout=out)
    assert "index writer ready" in out.getvalue()
    assert not IndexChange.objects.filter(applied_at=None).exists()
    adapter.store.reset()
    assert [r.id for r in adapter.store.search("achievement", "苜蓿种子", strict=True)] == [
        str(achievement.pk)
    ]
    beat = json.loads((settings.MATCHING_INDEX_DIR / ".writer.json").read_text())
    assert beat["positions"]["achievement"] >= IndexChange.objects.get().pk  # the built index holds it
