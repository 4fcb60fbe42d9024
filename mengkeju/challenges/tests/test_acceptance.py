"""Acceptance (验收) by several experts: N verdicts (region parameter, or the whole smaller panel),
each indicator met by majority, blind until the expert's own verdict is recorded, every verdict an event."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from mengkeju.challenges import permissions, rules, services
from mengkeju.challenges.models import ChallengeEvent, Milestone, Tranche

from .factories import AFTER_CLOSE
from .helpers import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = AFTER_CLOSE + timedelta(days=60)


@pytest.fixture
def awarded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return world("awarded")


def with_evidence(w, team=0, position=2):
    """Team A's second milestone verifies both indicators (temperature, flux loss)."""
    milestone = w.teams[team].milestones.get(position=position)
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    services.upload_evidence(milestone, pdf, by=w.team_members[team], now=LATER)
    return Milestone.objects.get(pk=milestone.pk)


def verdict(milestone, expert, met: dict | bool, note="", note_of_indicator=""):
    indicators = list(milestone.indicators.order_by("position"))
    results = {
        i.pk: {"met": met if isinstance(met, bool) else met[i.position], "note": note_of_indicator}
        for i in indicators
    }
    return services.accept_milestone(milestone, by=expert.user, results=results, note=note, now=LATER)


def status_of(milestone):
    return Milestone.objects.get(pk=milestone.pk).status


def test_two_of_three_experts_saying_met_accept_the_milestone(awarded):
    w = awarded
    milestone = with_evidence(w)
    verdict(milestone, w.experts[0], True)
    verdict(milestone, w.experts[1], False, note="磁通损失偏高")
    assert status_of(milestone) == Milestone.Status.EVIDENCE
    verdict(milestone, w.experts[2], True)
    assert status_of(milestone) == Milestone.Status.ACCEPTED
    decided = w.challenge.events.get(action=ChallengeEvent.Action.ACCEPTED)
    assert {row["met_votes"] for row in decided.data["indicators"].values()} == {2}
    services.report_cofunding(w.teams[0], milestone.amount_yuan * 2, by=w.team_members[0], now=LATER)
    assert services.release_tranche(milestone, by=w.hq, now=LATER).amount_yuan == milestone.amount_yuan


def test_an_indicator_is_met_by_majority_when_one_expert_says_not_met():
    """Pure rule: on one indicator one expert says not met and two say met → met; a tie is not met."""
    indicators = [type("I", (), {"pk": 1})(), type("I", (), {"pk": 2})()]
    verdicts = [
        [{"indicator": 1, "met": False}, {"indicator": 2, "met": True}],
        [{"indicator": 1, "met": True}, {"indicator": 2, "met": False}],
        [{"indicator": 1, "met": True}, {"indicator": 2, "met": False}],
    ]
    tally = rules.indicator_majority(indicators, verdicts)
    assert tally[1] == {"met_votes": 2, "not_met_votes": 1, "met": True}
    assert tally[2] == {"met_votes": 1, "not_met_votes": 2, "met": False}
    assert not rules.indicator_majority(indicators[:1], verdicts[:2])[1]["met"]  # 1 : 1


def test_one_indicator_met_by_two_of_three_the_other_by_one_is_not_accepted(awarded):
    w = awarded
    milestone = with_evidence(w)
    verdict(milestone, w.experts[0], {1: False, 2: True}, note="温度未达标")
    verdict(milestone, w.experts[1], {1: True, 2: False}, note="损失偏高")
    verdict(milestone, w.experts[2], {1: True, 2: False}, note="损失偏高")
    assert status_of(milestone) == Milestone.Status.REFUSED
    refused = w.challenge.events.get(action=ChallengeEvent.Action.REFUSED)
    by_position = {
        milestone.indicators.get(pk=int(pk)).position: row["met"]
        for pk, row in refused.data["indicators"].items()
    }
    assert by_position == {1: True, 2: False}
    # New evidence opens a new round: every expert records again.
    pdf = SimpleUploadedFile("report2.pdf", b"%PDF-1.4 second", content_type="application/pdf")
    services.upload_evidence(milestone, pdf, by=w.team_members[0], now=LATER)
    assert Milestone.objects.get(pk=milestone.pk).acceptance_round == 2
    for expert in w.experts[:3]:
        verdict(milestone, expert, True)
    assert status_of(milestone) == Milestone.Status.ACCEPTED


def test_fewer_verdicts_than_needed_do_not_accept_and_release_is_refused(awarded, set_region_parameter):
    w = awarded
    set_region_parameter("challenge_acceptance_min_experts", 4)
    milestone = with_evidence(w)
    for expert in w.experts[:3]:
        verdict(milestone, expert, True)
    assert status_of(milestone) == Milestone.Status.EVIDENCE
    with pytest.raises(ValidationError, match="released only on an accepted milestone"):
        services.release_tranche(milestone, by=w.hq, now=LATER)
    assert not Tranche.objects.exists()
    with pytest.raises(ValidationError, match="already recorded your verdict"):
        verdict(milestone, w.experts[0], True)
    assert w.challenge.events.filter(action=ChallengeEvent.Action.VERDICT).count() == 3
    verdict(milestone, w.experts[3], True)
    assert status_of(milestone) == Milestone.Status.ACCEPTED


def test_a_smaller_panel_needs_every_panel_expert(awarded, set_region_parameter):
    w = awarded
    set_region_parameter("challenge_acceptance_min_experts", 9)
    assert services.acceptance_experts_needed(w.challenge) == 5


def test_every_verdict_is_an_append_only_event(awarded):
    w = awarded
    milestone = with_evidence(w)
    verdict(milestone, w.experts[0], False, note="未达标")
    event = w.challenge.events.get(action=ChallengeEvent.Action.VERDICT)
    assert event.actor == w.experts[0].user and event.data["accepted"] is False
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(ValidationError, match="append-only"):
        w.challenge.events.filter(action=ChallengeEvent.Action.VERDICT).delete()


def test_an_expert_does_not_see_another_experts_verdict_before_recording_their_own(awarded, client):
    w = awarded
    milestone = with_evidence(w)
    first, second = w.experts[0], w.experts[1]
    verdict(milestone, first, False, note="第一位专家：温度未达标", note_of_indicator="仅172℃")
    acceptance = milestone.acceptances.select_related("milestone").get()
    assert not permissions.can_view_acceptance(second.user, acceptance)
    assert not permissions.can_view_acceptance(w.team_members[0], acceptance)
    assert permissions.can_view_acceptance(first.user, acceptance)
    assert permissions.can_view_acceptance(w.hq, acceptance)
    url = f"/challenges/applications/{w.teams[0].pk}/"
    client.force_login(second.user)
    page = client.get(url).content.decode()
    assert "第一位专家" not in page and "仅172℃" not in page
    api = APIClient()
    api.force_authenticate(second.user)
    body = api.get(f"/api/challenges/milestones/{milestone.pk}/").json()
    assert body["acceptances"] == []
    # Once the second expert has recorded theirs, the first one's verdict opens to them.
    verdict(milestone, second, True)
    assert permissions.can_view_acceptance(second.user, acceptance)  # the round is still open
    assert "第一位专家" in client.get(url).content.decode()
    assert len(api.get(f"/api/challenges/milestones/{milestone.pk}/").json()["acceptances"]) == 2
    # The team sees the verdicts once the round is decided.
    verdict(milestone, w.experts[2], False, note="温度未达标")
    assert status_of(milestone) == Milestone.Status.REFUSED
    decided = milestone.acceptances.select_related("milestone").get(pk=acceptance.pk)
    assert permissions.can_view_acceptance(w.team_members[0], decided)


def test_the_publisher_learns_no_experts_work_from_the_history(awarded, client):
    """Blind review and acceptance stay blind for the publisher, in the API and on the page: no panel
    names, no scorecards, no verdict (not even an empty note) — only outcomes. HQ reads everything."""
    w = awarded
    milestone = with_evidence(w)
    verdict(milestone, w.experts[0], True)  # met, no note: the round is still open
    verdict(milestone, w.experts[1], False, note="磁通损失偏高")
    blind = {"panel_formed", "scored", "verdict", "conflict_declared"}
    api = APIClient()
    api.force_authenticate(w.publisher_member)
    seen = api.get(f"/api/challenges/challenges/{w.challenge.pk}/events/").json()
    actions = {e["action"] for e in (seen["results"] if isinstance(seen, dict) else seen)}
    assert actions and not actions & blind
    assert "磁通损失偏高" not in str(seen)
    assert not any(expert.name in str(seen) for expert in w.experts)
    client.force_login(w.publisher_member)
    page = client.get(f"/challenges/{w.challenge.pk}/").content.decode()
    assert "磁通损失偏高" not in page and 'id="events"' in page
    assert not any(expert.name in page.split('id="events"')[1] for expert in w.experts)
    api.force_authenticate(w.hq)
    seen_by_hq = api.get(f"/api/challenges/challenges/{w.challenge.pk}/events/").json()
    hq_actions = {
        e["action"] for e in (seen_by_hq["results"] if isinstance(seen_by_hq, dict) else seen_by_hq)
    }
    assert {"panel_formed", "scored", "verdict"} <= hq_actions
