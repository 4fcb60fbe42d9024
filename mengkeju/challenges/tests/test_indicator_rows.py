"""The challenge form takes its technical indicators one row each (a formset): name, ≥ or ≤, target
value, unit, how verified. Rows are written in their order; a bad row gets its error beside the field
and in the summary, and nothing is written; at least one indicator; editing shows the rows and a
ticked row is deleted."""

from decimal import Decimal

import pytest

from mengkeju.challenges.models import Challenge
from mengkeju.network.tests.factories import OrganizationFactory

from .factories import draft, member

pytestmark = pytest.mark.django_db

NO_INDICATOR = "请至少列出一项量化技术指标。"
ROW_FIELDS = ("name", "direction", "target_value", "unit", "verification")


def _post_data(rows: list[tuple], *, total: int | None = None, initial: int = 0, deleted=()) -> dict:
    data = {
        "title": "高温稀土永磁电机退磁攻关",
        "problem": "永磁同步电机在180℃工况下不可逆退磁。",
        "field": "稀土永磁",
        "budget_yuan": "3000000",
        "mode": "single",
        "teams_to_fund": "1",
        "opens_at": "2026-03-01T09:00",
        "closes_at": "2026-03-31T17:00",
        "indicators-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "indicators-INITIAL_FORMS": str(initial),
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "30",
    }
    for n, row in enumerate(rows):
        for name, value in zip(ROW_FIELDS, row, strict=True):
            data[f"indicators-{n}-{name}"] = value
        if n in deleted:
            data[f"indicators-{n}-DELETE"] = "on"
    return data


@pytest.fixture
def publisher(client):
    user = member(OrganizationFactory(name="包头稀土电机有限公司"))
    client.force_login(user)
    return user


def _indicators(challenge):
    return [
        (i.name, i.direction, i.target_value, i.unit, i.verification, i.position)
        for i in challenge.indicators.all()
    ]


def test_rows_become_the_indicators_in_their_order_blank_rows_skipped(client, publisher):
    rows = [
        ("工作温度", "at_least", "180", "℃", "第三方检测"),
        ("不可逆磁通损失", "at_most", "3.5", "%", ""),
        ("", "", "", "", ""),  # the blank "add" row
    ]
    response = client.post("/challenges/new/", _post_data(rows))
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/challenges/{challenge.pk}/"
    assert _indicators(challenge) == [
        ("工作温度", "at_least", Decimal("180"), "℃", "第三方检测", 1),
        ("不可逆磁通损失", "at_most", Decimal("3.5"), "%", "", 2),
    ]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (("工作温度", "at_least", "一百八", "℃", ""), "target_value", "请输入数字。"),
        (("工作温度", "", "180", "℃", ""), "direction", "该字段是必填项。"),
    ],
)
def test_a_bad_row_gets_a_localized_error_beside_its_field_and_nothing_is_written(
    client, publisher, row, field, message
):
    good = ("不可逆磁通损失", "at_most", "3", "%", "")
    response = client.post("/challenges/new/", _post_data([good, row]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert not Challenge.objects.exists()
    html = response.content.decode()
    assert f'data-field="indicators-1-{field}">{message}' in html
    assert "data-error-summary" in html and f'href="#id_indicators-1-{field}"' in html
    assert 'data-field="indicators-0-' not in html  # the good row has no error


def test_no_indicator_is_refused(client, publisher):
    response = client.post(
        "/challenges/new/",
        _post_data([("", "", "", "", "")] * 2),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert not Challenge.objects.exists()
    html = response.content.decode()
    assert f'data-field="indicators">{NO_INDICATOR}' in html
    assert "data-error-summary" in html


def test_editing_shows_the_rows_and_a_ticked_row_is_deleted(client, publisher):
    challenge = draft(publisher)
    page = client.get(f"/challenges/{challenge.pk}/edit/").content.decode()
    assert 'name="indicators-0-name" value="工作温度"' in page
    assert 'name="indicators-1-target_value" value="3"' in page
    assert '<option value="at_most" selected>' in page
    assert 'name="indicators-TOTAL_FORMS" value="3"' in page  # two indicators and one blank row
    assert "data-formset-empty" in page and "indicators-__prefix__-name" in page

    rows = [
        ("工作温度", "at_least", "185", "℃", "第三方检测"),
        ("不可逆磁通损失", "at_most", "3", "%", "第三方检测"),
        ("矫顽力", "at_least", "20", "kOe", "型式试验"),
    ]
    response = client.post(f"/challenges/{challenge.pk}/edit/", _post_data(rows, initial=2, deleted={1}))
    assert response.status_code == 302
    assert [(name, value) for name, _d, value, *_rest in _indicators(challenge)] == [
        ("工作温度", Decimal("185")),
        ("矫顽力", Decimal("20")),
    ]


def test_an_unchanged_prefilled_row_is_kept(client, publisher):
    challenge = draft(publisher)
    rows = [
        ("工作温度", "at_least", "180", "℃", "第三方检测"),
        ("不可逆磁通损失", "at_most", "3", "%", "第三方检测"),
        ("", "", "", "", ""),
    ]
    response = client.post(f"/challenges/{challenge.pk}/edit/", _post_data(rows, initial=2))
    assert response.status_code == 302
    assert [i[0] for i in _indicators(challenge)] == ["工作温度", "不可逆磁通损失"]


def test_deleting_every_row_is_refused_and_keeps_the_indicators(client, publisher):
    challenge = draft(publisher)
    rows = [
        ("工作温度", "at_least", "180", "℃", ""),
        ("不可逆磁通损失", "at_most", "3", "%", ""),
    ]
    response = client.post(f"/challenges/{challenge.pk}/edit/", _post_data(rows, initial=2, deleted={0, 1}))
    assert response.status_code == 200
    assert challenge.indicators.count() == 2


def test_a_new_challenge_shows_two_blank_rows_and_the_row_to_copy(client, publisher):
    page = client.get("/challenges/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="indicators-TOTAL_FORMS" value="2"' in page
    assert 'id="id_indicators-1-name"' in page and 'id="id_indicators-2-name"' not in page
    assert "<template data-formset-empty>" in page and 'name="indicators-__prefix__-direction"' in page
    assert "不低于（≥）" in page and "再加一项指标" in page
    assert 'name="indicators"' not in page  # no more typed lines


def test_a_round_target_is_shown_as_written(client, publisher):
    challenge = draft(
        publisher,
        indicators=[{"name": "寿命", "direction": "at_least", "target_value": "200", "unit": "h"}],
    )
    page = client.get(f"/challenges/{challenge.pk}/edit/").content.decode()
    assert 'name="indicators-0-target_value" value="200"' in page
