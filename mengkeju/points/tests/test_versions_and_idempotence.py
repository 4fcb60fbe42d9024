"""Weights change from year to year without touching past results; recomputing and re-importing are
idempotent."""

from decimal import Decimal

import pytest

from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import UserFactory

from ..models import EnterpriseYear, ImportBatch, IndicatorSystem, IndicatorValue, PointsEvent, Score
from ..services import import_indicator_values, load_points_system, recompute_scores
from .factories import enterprise, filled_workbook, small_system, write_pack


def score_rows(run):
    return list(
        Score.objects.filter(run=run)
        .order_by("organization_id")
        .values_list(
            "organization_id",
            "system_id",
            "year",
            "indicator_points",
            "bonus_points",
            "activity_points",
            "total",
            "rank",
            "tier",
            "breakdown",
        )
    )


def cohort(year, n=5):
    for i in range(n):
        record = EnterpriseYear.objects.create(
            organization=enterprise(), year=year, status=EnterpriseYear.Status.CONFIRMED
        )
        for code, value in {
            "rd_expense": 10 * i + 3,
            "patents": i % 3,
            "debt_ratio": 40 + 7 * i,
            "high_tech": i % 2,
        }.items():
            IndicatorValue.objects.create(record=record, code=code, value=Decimal(value))


@pytest.mark.django_db
def test_changing_next_years_weights_leaves_last_years_results_untouched(tmp_path):
    load_points_system(write_pack(tmp_path / "v1", [small_system(2030), small_system(2031)]))
    cohort(2030)
    run_2030 = recompute_scores(2030)
    before = score_rows(run_2030)

    # Next year's weights change: 2031 is rewritten in place (no score used it), 2030 stays.
    outcome = load_points_system(
        write_pack(tmp_path / "v2", [small_system(2030), small_system(2031, weights=(20, 80))])
    )
    assert outcome == {2030: "unchanged", 2031: "updated"}
    assert score_rows(run_2030) == before
    assert IndicatorSystem.objects.get(year=2031).definition["groups"][0]["weight"] == 20

    # Even a change to 2030 itself, now that it has results, makes a new version; old results stay.
    outcome = load_points_system(
        write_pack(
            tmp_path / "v3", [small_system(2030, weights=(50, 50)), small_system(2031, weights=(20, 80))]
        )
    )
    assert outcome == {2030: "new version", 2031: "unchanged"}
    assert score_rows(run_2030) == before
    old, new = IndicatorSystem.objects.filter(year=2030).order_by("version")
    assert (old.version, new.version) == (1, 2) and old.definition["groups"][0]["weight"] == 60
    assert {row[1] for row in before} == {old.pk}

    # Recomputing 2030 later uses the new version and says so on every score.
    run = recompute_scores(2030)
    assert set(Score.objects.filter(run=run).values_list("system_id", flat=True)) == {new.pk}


@pytest.mark.django_db
def test_recompute_is_idempotent(tmp_path):
    load_points_system(write_pack(tmp_path / "pack", [small_system(2030)]))
    cohort(2030, n=7)
    first = score_rows(recompute_scores(2030))
    second_run = recompute_scores(2030)
    assert score_rows(second_run) == first
    assert Score.objects.count() == 7  # replaced, not added


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(points_system):
    hq = UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(kind="headquarters"))
    orgs = [enterprise() for _ in range(3)]
    rows = [[o.credit_code, o.name, "", "", *[1] * 16] for o in orgs]
    content = filled_workbook(2025, rows)
    first = import_indicator_values(content, "2025.xlsx", year=2025, by=hq)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    values = list(
        IndicatorValue.objects.order_by("pk").values_list("pk", "value", "import_batch_id", "source_row")
    )
    events = PointsEvent.objects.count()
    again = import_indicator_values(content, "2025-again.xlsx", year=2025, by=hq)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (
        list(
            IndicatorValue.objects.order_by("pk").values_list("pk", "value", "import_batch_id", "source_row")
        )
        == values
    )
    assert ImportBatch.objects.count() == 1 and PointsEvent.objects.count() == events
    assert set(EnterpriseYear.objects.values_list("status", flat=True)) == {"confirmed"}
