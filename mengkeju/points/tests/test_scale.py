"""10,000 generated enterprises are scored in one cohort (timed and printed, not a timing test)."""

import time

import pytest

from ..models import Score
from ..services import recompute_scores
from ..synthetic import generate_enterprises


@pytest.mark.slow
@pytest.mark.django_db
def test_a_cohort_of_ten_thousand_enterprises_is_scored(points_system, capsys):
    generate_enterprises(10_000, 2025, seed=3)
    started = time.perf_counter()
    run = recompute_scores(2025)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[points] scored 10,000 enterprises in {elapsed:.2f} s")
    assert run.enterprises == 10_000
    assert Score.objects.filter(run=run).count() == 10_000
    assert Score.objects.filter(run=run, rank=1).exists()
    assert set(Score.objects.filter(run=run).values_list("tier", flat=True)) <= {"A", "B", "C", "D"}
