"""Every state change is an attributable, append-only event; bad input gets a clear localized error
and changes nothing; every action is in the OpenAPI schema."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from mengkeju.challenges.models import Challenge, ChallengeEvent

from .factories import AFTER_CLOSE, DRAFTED_AT, apply_as, draft, member, published_challenge
from .helpers import world

pytestmark = pytest.mark.django_db


def test_every_step_of_the_life_is_an_attributable_event():
    w = world("awarded")
    actions = list(w.challenge.events.values_list("action", flat=True))
    for expected in (
        "drafted",
        "submitted",
        "published",
        "applied",
        "review_started",
        "panel_formed",
        "scored",
        "decided",
        "awarded",
    ):
        assert expected in actions, expected
    assert actions.count("scored") == 15 and actions.count("applied") == 3
    assert not w.challenge.events.filter(actor__isnull=True).exists()
    assert w.challenge.events.get(action="published").actor == w.hq


def test_an_event_refuses_update_and_delete():
    challenge = published_challenge()
    event = challenge.events.first()
    event.note = "篡改"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        ChallengeEvent.objects.filter(pk=event.pk).update(note="篡改")
    with pytest.raises(ValidationError):
        ChallengeEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.note == ""


def test_bad_challenge_input_gets_chinese_messages_and_saves_nothing():
    user = member(published_challenge().publisher)
    before = (Challenge.objects.count(), ChallengeEvent.objects.count())
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        draft(user, title=" ", budget_yuan="abc", closes_at=DRAFTED_AT - timedelta(days=30))
    errors = refused.value.message_dict
    assert errors["title"] == ["请填写榜单名称。"]
    assert errors["budget_yuan"] == ["请填写金额（元）。"]
    assert errors["closes_at"] == ["截止时间须晚于开始时间。"]
    assert (Challenge.objects.count(), ChallengeEvent.objects.count()) == before


def test_a_late_application_is_refused_in_chinese():
    challenge = published_challenge()
    with translation.override("zh-hans"), pytest.raises(ValidationError, match="逾期申请不予受理"):
        apply_as(
            member(
                published_challenge()
                .publisher.__class__.objects.exclude(pk=challenge.publisher_id)
                .filter(kind="enterprise")
                .first()
            ),
            challenge,
            now=AFTER_CLOSE,
        )


def test_bad_input_through_the_api_is_a_400_with_the_field_and_changes_nothing():
    w = world("applied")
    api = APIClient()
    api.force_authenticate(w.team_members[0])
    # The API runs on the real clock, past this fixed window: withdrawing is refused, in Chinese.
    response = api.post(
        f"/api/challenges/applications/{w.teams[0].pk}/withdraw/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "逾期申请不予受理" in str(response.json()) or "开始" in str(response.json())
    w.teams[0].refresh_from_db()
    assert w.teams[0].status == "submitted"
    response = api.post(
        "/api/challenges/applications/",
        {
            "challenge": w.challenge.pk,
            "members": [{"name": "张工"}],
            "technical_route": "路线",
            "budget_yuan": "99999999",
            "commitments": {},
            "milestones": [],
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert w.challenge.applications.count() == 3
    assert response.json()  # field errors


def test_every_action_is_in_the_openapi_schema():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    for path in (
        "/api/challenges/challenges/",
        "/api/challenges/challenges/{id}/publish/",
        "/api/challenges/challenges/{id}/return/",
        "/api/challenges/challenges/{id}/start-review/",
        "/api/challenges/challenges/{id}/panel/",
        "/api/challenges/challenges/{id}/ranking/",
        "/api/challenges/challenges/{id}/decide/",
        "/api/challenges/challenges/{id}/award/",
        "/api/challenges/applications/",
        "/api/challenges/applications/{id}/withdraw/",
        "/api/challenges/scorecards/",
        "/api/challenges/objections/{id}/resolve/",
        "/api/challenges/milestones/{id}/evidence/",
        "/api/challenges/milestones/{id}/accept/",
        "/api/challenges/milestones/{id}/release/",
        "/api/challenges/awards/{id}/drop/",
    ):
        assert path in paths, path


def test_the_public_list_filters_by_chain_status_mode_and_budget(client):
    published_challenge(title="稀土赛马榜", budget_yuan=Decimal("3000000"))
    published_challenge(title="单一揭榜小榜", mode="single", teams_to_fund=1, budget_yuan=Decimal("200000"))
    html = client.get(
        "/challenges/", {"mode": "horse_race", "chain": "rare-earth", "budget_min": "1000000"}
    ).content
    assert "稀土赛马榜" in html.decode() and "单一揭榜小榜" not in html.decode()
    assert client.get("/challenges/overview/").status_code == 200


def test_a_window_outside_plausible_years_is_refused_and_saves_nothing():
    """Found by the API fuzz: an opening in the year 54 was saved, and the API then answered a date-time
    with Shanghai's pre-1901 local mean time offset (+08:05:43) that no client reads."""
    from datetime import datetime

    from .factories import SHANGHAI

    user = member(published_challenge().publisher)
    before = (Challenge.objects.count(), ChallengeEvent.objects.count())
    for opens, closes in [
        (datetime(54, 1, 29, 9, 36, tzinfo=SHANGHAI), DRAFTED_AT),
        (DRAFTED_AT, datetime(6708, 10, 4, tzinfo=SHANGHAI)),
    ]:
        with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
            draft(user, opens_at=opens, closes_at=closes)
        assert refused.value.message_dict["closes_at"] == ["申请时间须在 2000 年至 2100 年之间。"]
    assert (Challenge.objects.count(), ChallengeEvent.objects.count()) == before


def test_scoring_an_application_one_cannot_see_is_the_same_answer_as_one_that_does_not_exist():
    w = world("reviewing")
    client = APIClient()
    from mengkeju.network.tests.factories import OrganizationFactory

    client.force_authenticate(member(OrganizationFactory(name="无关企业")))
    application = w.challenge.applications.first()
    for pk in (application.pk, 999_999):
        answer = client.post("/api/challenges/scorecards/", {"application": pk, "scores": {}}, format="json")
        assert answer.status_code == 400, answer.content
        assert answer.json()["codes"]["application"] == ["does_not_exist"]
