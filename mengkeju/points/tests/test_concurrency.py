"""Two headquarters operators recomputing the same cohort at once: the second waits for the first
and replaces its results; neither fails and nothing is doubled. Needs PostgreSQL (real row locks);
SQLite serialises whole-database writes and is skipped."""

import threading
import time

import pytest
from django.db import connection, transaction

from mengkeju.network.tests.concurrency import run_together

from ..models import PointsEvent, Score, ScoreRun
from ..services import load_points_system, recompute_scores
from .factories import small_system, write_pack
from .test_versions_and_idempotence import cohort, score_rows

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_a_recompute_waits_for_one_in_progress_and_then_replaces_its_results(base_data, tmp_path):
    load_points_system(write_pack(tmp_path / "pack", [small_system(2030)]))
    cohort(2030, n=7)
    expected = [row[2:] for row in score_rows(recompute_scores(2030))]  # year, points, rank, tier, ...
    first_computed, release_first = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():  # still open while the second starts
            run = recompute_scores(2030)
            first_computed.set()
            release_first.wait(timeout=20)
        return run

    def second():
        first_computed.wait(timeout=20)
        return recompute_scores(2030)

    worker = threading.Thread(target=lambda: time.sleep(1.0) or release_first.set())
    worker.start()
    results, errors = run_together(first, second)
    worker.join()

    assert errors == [None, None], errors
    run = ScoreRun.objects.get(cohort_key="2030|*|*")  # one run for the cohort, not two
    assert run.pk == results[1].pk  # the later recompute replaced the earlier one
    assert Score.objects.count() == 7
    assert [row[2:] for row in score_rows(run)] == expected
    assert PointsEvent.objects.filter(action=PointsEvent.Action.COMPUTED).count() == 3
