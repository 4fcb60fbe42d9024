"""calendar.yaml, the optional file of public holidays and make-up working days (调休): loaded into
CalendarDay rows, kept in step with the file, checked before anything is written."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from mengkeju.network.models import CalendarDay, Organization
from mengkeju.network.region_pack import RegionPackError, read_region_pack
from mengkeju.network.selectors import calendar_days
from mengkeju.network.services import load_region_pack

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"
pytestmark = pytest.mark.django_db


def _pack(tmp_path, mutate=None) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    if mutate:
        path = pack / "calendar.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        mutate(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack


def test_the_shipped_calendar_lists_2025_and_2026_holidays_and_make_up_days():
    days = calendar_days()
    assert {d.year for d in days} == {2025, 2026}
    assert all(not days[date(2025, 10, d)] for d in range(1, 9))  # 国庆节、中秋节: 8 days
    assert days[date(2025, 9, 28)] and days[date(2025, 10, 11)]  # make-up Sunday and Saturday
    assert all(not days[date(2026, 2, d)] for d in range(15, 24))  # 春节 2026: 9 days
    for day, working in days.items():
        if working:
            assert day.weekday() >= 5, day  # make-up days fall on weekends
    row = CalendarDay.objects.get(day=date(2026, 10, 10))
    assert row.is_working_day and "国庆" in row.name and "2026" in row.source


def test_loading_the_calendar_twice_changes_nothing():
    before = CalendarDay.objects.count()
    report = load_region_pack(REGION_DIR)
    assert not report.changed
    assert report.unchanged["calendar_day"] == before


def test_the_file_is_the_whole_truth_a_year_dropped_is_removed(tmp_path):
    pack = _pack(tmp_path, lambda d: d["years"].pop(0))
    report = load_region_pack(pack)
    assert report.removed["calendar_day"] > 0
    assert {d.year for d in calendar_days()} == {2026}


def test_a_pack_without_calendar_yaml_leaves_the_calendar_alone(tmp_path):
    pack = _pack(tmp_path)
    (pack / "calendar.yaml").unlink()
    before = calendar_days()
    assert read_region_pack(pack).calendar_days is None
    report = load_region_pack(pack)
    assert "calendar_day" not in report.removed
    assert calendar_days() == before


def test_unquoted_yaml_dates_are_read_as_dates(tmp_path):
    pack = _pack(tmp_path)
    path = pack / "calendar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"', ""), encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["years"][0]["working_days"][0]["date"] == date(
        2025, 1, 26
    )
    days = read_region_pack(pack).calendar_days
    assert {d["day"] for d in days} == set(calendar_days())


@pytest.mark.parametrize(
    ("mutate", "where", "reason"),
    [
        (
            lambda d: d["years"][0]["working_days"][0].update(date="2025-01-27"),
            "years[0].working_days[0]",
            "weekday",
        ),
        (
            lambda d: d["years"][0]["holidays"][1].update(end="2025-01-20"),
            "years[0].holidays[1].end",
            "start",
        ),
        (lambda d: d["years"][1].update(year=2025), "years[1].year", "twice"),
        (
            lambda d: d["years"][0]["holidays"][0].update(start="2025-02-30", end="2025-02-30"),
            "years[0]",
            "date",
        ),
        (
            lambda d: d["years"][0]["working_days"].append({"date": "2025-10-04", "name": "x"}),
            "years[0]",
            "twice",
        ),
        (lambda d: d["years"][0]["holidays"][0].update(start="1 Jan"), "years[0].holidays[0].start", "1 Jan"),
        (lambda d: d["years"][0].pop("source"), "years[0]", "source"),
    ],
)
def test_a_bad_calendar_is_rejected_and_loads_nothing(tmp_path, mutate, where, reason):
    pack = _pack(tmp_path, mutate)
    Organization.objects.filter(from_region_pack=True).update(name="unchanged")
    before = calendar_days()
    with translation.override("en"), pytest.raises(RegionPackError) as exc:
        load_region_pack(pack)
    problems = exc.value.problems
    assert any(
        p.file == "calendar.yaml" and p.path.startswith(where) and reason in p.reason for p in problems
    ), problems
    assert calendar_days() == before
    assert not Organization.objects.filter(from_region_pack=True).exclude(name="unchanged").exists()


def test_calendar_reasons_are_localized_in_chinese(tmp_path):
    pack = _pack(tmp_path, lambda d: d["years"][0]["working_days"][0].update(date="2025-01-27"))
    with translation.override("zh-hans"), pytest.raises(RegionPackError) as exc:
        read_region_pack(pack)
    assert "调休上班日应为周六或周日" in str(exc.value)
