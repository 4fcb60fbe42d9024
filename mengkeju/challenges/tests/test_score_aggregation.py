"""Aggregation resists one outlier: trimmed mean with five or more scores, plain mean otherwise."""

from decimal import Decimal

import pytest

from mengkeju.challenges.rules import aggregate_scores, weighted_total


def d(*values):
    return [Decimal(str(v)) for v in values]


def test_one_outlier_among_five_scores_is_dropped_with_the_highest():
    # 20 is the outlier; the highest (92) goes with it: mean of 85, 88, 90.
    assert aggregate_scores(d(90, 88, 92, 85, 20)) == Decimal("87.667")


def test_the_outlier_would_have_moved_a_plain_mean_by_fourteen_points():
    plain = sum(d(90, 88, 92, 85, 20)) / 5
    assert plain == Decimal("75")
    assert aggregate_scores(d(90, 88, 92, 85, 20)) - plain > 12


def test_fewer_than_five_scores_take_the_plain_mean():
    assert aggregate_scores(d(90, 80, 70, 20)) == Decimal("65.000")
    assert aggregate_scores(d(77)) == Decimal("77.000")


def test_no_score_is_an_error():
    with pytest.raises(ValueError):
        aggregate_scores([])


def test_weighted_total_on_the_rubric():
    rubric = [{"code": "a", "weight": "0.4"}, {"code": "b", "weight": "0.6"}]
    assert weighted_total(rubric, {"a": "100", "b": "50"}) == Decimal("70.000")
