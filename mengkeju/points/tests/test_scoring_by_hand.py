"""A cohort of four enterprises scored by hand: every figure below is worked out in the test from
the formulas in docs/points.md, and the stored scores match to 4 decimal places."""

import math
from decimal import Decimal

import pytest

from mengkeju.core.clock import local_date
from mengkeju.deals.tests.factories import registered_contract

from ..models import EnterpriseYear, IndicatorValue, Score
from ..services import load_points_system, recompute_scores
from .factories import enterprise, small_system, write_pack


def confirmed(org, year, values: dict):
    record = EnterpriseYear.objects.create(
        organization=org, year=year, status=EnterpriseYear.Status.CONFIRMED
    )
    for code, value in values.items():
        IndicatorValue.objects.create(record=record, code=code, value=Decimal(str(value)))
    return record


@pytest.mark.django_db
def test_four_enterprises_scored_by_hand(tmp_path):
    year = local_date().year
    load_points_system(write_pack(tmp_path / "pack", [small_system(year)]))
    orgs = [enterprise() for _ in range(4)]
    rd = [1, 2, 3, 6]
    patents = [10, 30, 20, 30]
    debt = [5, 5, 5, 9]
    high_tech = [1, 0, 0, 1]
    for i, org in enumerate(orgs):
        confirmed(
            org,
            year,
            {"rd_expense": rd[i], "patents": patents[i], "debt_ratio": debt[i], "high_tech": high_tech[i]},
        )
    # Two registered technical contracts where enterprise 2 is the seller: 2 activity points.
    registered_contract(seller=orgs[2])
    registered_contract(seller=orgs[2])

    run = recompute_scores(year)

    # rd_expense, z-score: mean 3, population variance (4+1+0+9)/4 = 3.5.
    sd1 = math.sqrt(3.5)
    s1 = [min(100, max(0, 50 + 50 * ((x - 3) / sd1) / 3)) for x in rd]
    # patents, percentile: sorted 10 | 20 | 30 30 → mean ranks 1, 3.5, 2, 3.5; score 100·(r−1)/(4−1).
    ranks = [1, 3.5, 2, 3.5]
    s2 = [100 * (r - 1) / 3 for r in ranks]
    # debt_ratio, z-score, lower is better: mean 6, variance (1+1+1+9)/4 = 3, z negated.
    sd3 = math.sqrt(3)
    s3 = [min(100, max(0, 50 - 50 * ((x - 6) / sd3) / 3)) for x in debt]
    # effective weights: 60·1/2 = 30, 30, 40.
    indicator_points = [0.30 * s1[i] + 0.30 * s2[i] + 0.40 * s3[i] for i in range(4)]
    bonus = [5 * h for h in high_tech]
    activity = [0, 0, 2, 0]
    totals = [round(indicator_points[i], 4) + bonus[i] + activity[i] for i in range(4)]

    scores = {s.organization_id: s for s in Score.objects.filter(run=run)}
    for i, org in enumerate(orgs):
        score = scores[org.pk]
        assert float(score.indicator_points) == pytest.approx(indicator_points[i], abs=5e-5)
        assert score.bonus_points == Decimal(bonus[i])
        assert score.activity_points == Decimal(activity[i])
        assert float(score.total) == pytest.approx(totals[i], abs=5e-5)
        rd_raw, rd_score, rd_contribution = score.breakdown["i"]["rd_expense"]
        assert (rd_raw, rd_score) == (rd[i], pytest.approx(s1[i], abs=5e-5))
        assert rd_contribution == pytest.approx(0.30 * s1[i], abs=5e-5)
        assert score.breakdown["i"]["patents"][1] == pytest.approx(s2[i], abs=5e-5)
        assert score.breakdown["i"]["debt_ratio"][1] == pytest.approx(s3[i], abs=5e-5)
        assert score.breakdown["g"]["growth"] == pytest.approx(0.40 * s3[i], abs=5e-5)
        assert score.breakdown["a"]["registered_contracts"] == [activity[i], float(activity[i])]

    expected_order = sorted(range(4), key=lambda i: -totals[i])
    assert [scores[orgs[i].pk].rank for i in expected_order] == [1, 2, 3, 4]
    for i in range(4):
        tier = "A" if totals[i] >= 60 else "B" if totals[i] >= 40 else "C"
        assert scores[orgs[i].pk].tier == tier
    stats = run.statistics["indicators"]["rd_expense"]
    assert stats["mean"] == 3 and stats["sd"] == pytest.approx(sd1, abs=5e-5) and stats["median"] == 2.5
