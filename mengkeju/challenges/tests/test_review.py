"""Expert review: conflicts of interest excluded automatically, blind scoring, ranking, decision."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from mengkeju.challenges import permissions, selectors, services
from mengkeju.challenges.models import Application, Challenge, PanelMember
from mengkeju.deals.tests.factories import make_contract
from mengkeju.network.tests.factories import OrganizationFactory

from .factories import AFTER_CLOSE, SHANGHAI, expert_with_user
from .helpers import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def codes(expert, challenge, now=AFTER_CLOSE):
    return {c.code for c in services.expert_conflicts(expert, challenge, now)}


def test_conflicted_experts_are_found_automatically_and_refused_on_the_panel():
    w = world("applied")
    services.start_review(w.challenge, by=w.hq, now=AFTER_CLOSE)
    lead, partner_org = w.teams[0].lead, OrganizationFactory(name="合作单位")
    w.teams[1].partners.add(partner_org)
    same_org = expert_with_user(organization=lead, name="同单位专家")
    partner_expert = expert_with_user(organization=partner_org, name="合作单位专家")
    publisher_expert = expert_with_user(organization=w.challenge.publisher, name="发榜方专家")
    contract_expert = expert_with_user(name="合同专家")
    make_contract(seller=contract_expert.organization, buyer=w.teams[2].lead, signed_on=date(2025, 6, 1))
    declared = expert_with_user(name="声明专家")
    services.declare_conflict(w.challenge, lead, by=declared.user, note="曾指导该团队", now=AFTER_CLOSE)
    free = [expert_with_user() for _ in range(3)]
    assert codes(same_org, w.challenge) == {"same_organization"}
    assert codes(partner_expert, w.challenge) == {"same_organization"}
    assert codes(publisher_expert, w.challenge) == {"publisher"}
    assert codes(contract_expert, w.challenge) == {"joint_contract"}
    assert codes(declared, w.challenge) == {"declared"}
    assert all(codes(e, w.challenge) == set() for e in free)
    candidates = {c.expert.pk: c for c in selectors.panel_candidates(w.challenge, AFTER_CLOSE)}
    assert not candidates[contract_expert.pk].eligible
    assert {e.pk for e in selectors.proposed_panel(w.challenge, 5, AFTER_CLOSE)} <= {e.pk for e in free}
    with pytest.raises(ValidationError, match="合同专家 has a conflict of interest"):
        services.form_panel(w.challenge, [*free, contract_expert], by=w.hq, now=AFTER_CLOSE)
    assert not PanelMember.objects.exists()
    services.form_panel(w.challenge, free, by=w.hq, now=AFTER_CLOSE)
    assert w.challenge.panel.count() == 3


def test_a_joint_contract_older_than_the_region_parameter_is_no_conflict(set_region_parameter):
    w = world("applied")
    expert = expert_with_user()
    contract = make_contract(seller=expert.organization, buyer=w.teams[0].lead, signed_on=date(2022, 6, 1))
    assert contract.signed_on.year == 2022
    assert codes(expert, w.challenge) == set()  # 3 years back from 1 April 2026 is 1 April 2023
    set_region_parameter("challenge_conflict_years", 5)
    assert codes(expert, w.challenge) == {"joint_contract"}


def test_a_recent_joint_application_is_a_conflict():
    w = world("applied")
    expert = expert_with_user()
    other = world("published")
    user = w.team_members[1]
    from .factories import apply_as

    apply_as(user, other.challenge, partners=[expert.organization])
    assert codes(expert, w.challenge) == {"joint_application"}


def test_an_expert_sees_only_their_own_scores_and_never_another_experts_before_submitting():
    w = world("reviewing")
    first, second = w.experts[0], w.experts[1]
    team = w.teams[0]
    rubric = w.challenge.rubric
    services.save_scorecard(
        team, by=first.user, scores={c["code"]: 90 for c in rubric}, submit=True, now=AFTER_CLOSE
    )
    services.save_scorecard(team, by=second.user, scores={c["code"]: 40 for c in rubric}, now=AFTER_CLOSE)
    # The second expert (scores saved, not submitted) sees only their own scorecard: in queries, API and pages.
    assert [c.expert_id for c in selectors.visible_scorecards(second.user)] == [second.pk]
    assert not permissions.can_see_ranking(second.user, w.challenge)
    api = APIClient()
    api.force_authenticate(second.user)
    listed = api.get("/api/challenges/scorecards/").json()["results"]
    assert [c["total"] for c in listed] == ["40.000"]
    assert api.get(f"/api/challenges/challenges/{w.challenge.pk}/ranking/").status_code == 403
    assert api.get(f"/api/challenges/scorecards/?application={team.pk}").json()["count"] == 1
    from django.test import Client

    client = Client()
    client.force_login(second.user)
    for page in (f"/challenges/{w.challenge.pk}/", f"/challenges/applications/{team.pk}/"):
        html = client.get(page).content.decode()
        assert "90.000" not in html and "90.0" not in html, page
        assert 'id="ranking"' not in html
    # The same holds after the first expert's submission, for every other expert still scoring.
    assert [c.expert_id for c in selectors.visible_scorecards(first.user)] == [first.pk]
    # Once an expert has submitted every scorecard, the ranking (aggregates only) opens to them.
    for other in w.teams[1:]:
        services.save_scorecard(
            other, by=first.user, scores={c["code"]: 70 for c in rubric}, submit=True, now=AFTER_CLOSE
        )
    assert permissions.can_see_ranking(first.user, w.challenge)
    assert [c.expert_id for c in selectors.visible_scorecards(first.user)] == [first.pk] * 3


def test_a_panel_expert_sees_the_order_but_not_the_scores_until_the_decision_is_public():
    """Issue 13, finding 2: with two scores in, mean and own score give the other's (2 × mean − own)."""
    w = world("reviewing")
    first, second = w.experts[0], w.experts[1]
    rubric = w.challenge.rubric
    for team in w.teams:
        services.save_scorecard(
            team, by=first.user, scores={c["code"]: 90 for c in rubric}, submit=True, now=AFTER_CLOSE
        )
        services.save_scorecard(
            team, by=second.user, scores={c["code"]: 40 for c in rubric}, submit=True, now=AFTER_CLOSE
        )
    api = APIClient()
    api.force_authenticate(first.user)
    rows = api.get(f"/api/challenges/challenges/{w.challenge.pk}/ranking/").json()
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {(r["score"], r["scores"]) for r in rows} == {(None, None)}
    from django.test import Client

    client = Client()
    client.force_login(first.user)
    html = client.get(f"/challenges/{w.challenge.pk}/").content.decode()
    assert 'id="ranking"' in html and 'id="ranking-scores-hidden"' in html
    assert "65.000" not in html  # the mean of 90 and 40
    api.force_authenticate(w.hq)
    assert {r["score"] for r in api.get(f"/api/challenges/challenges/{w.challenge.pk}/ranking/").json()} == {
        "65.000"
    }


def test_a_submitted_scorecard_cannot_be_changed_and_scores_stay_in_range():
    w = world("reviewing")
    expert, team, rubric = w.experts[0], w.teams[0], w.challenge.rubric
    with pytest.raises(ValidationError, match="a score from 0 to 100"):
        services.save_scorecard(
            team, by=expert.user, scores={c["code"]: 101 for c in rubric}, now=AFTER_CLOSE
        )
    services.save_scorecard(
        team, by=expert.user, scores={c["code"]: 80 for c in rubric}, submit=True, now=AFTER_CLOSE
    )
    with pytest.raises(ValidationError, match="already submitted"):
        services.save_scorecard(team, by=expert.user, scores={c["code"]: 10 for c in rubric}, now=AFTER_CLOSE)


def test_only_panel_experts_score():
    w = world("reviewing")
    outsider = expert_with_user()
    with pytest.raises(PermissionDenied):
        services.save_scorecard(w.teams[0], by=outsider.user, scores={"route": 1}, now=AFTER_CLOSE)


def test_the_ranking_trims_the_outlier_and_the_decision_selects_the_top_two_of_a_horse_race():
    w = world("scored")
    ranking = selectors.ranking(w.challenge)
    assert [r.application.pk for r in ranking] == [w.teams[0].pk, w.teams[1].pk, w.teams[2].pk]
    # Team A: 90, 88, 92, 85 and the outlier 20 → (88 + 90 + 85) / 3; a plain mean would give 75.
    assert ranking[0].score == Decimal("87.667")
    awards = services.decide(w.challenge, by=w.hq, now=AFTER_CLOSE + timedelta(days=1))
    assert [a.application_id for a in awards] == [w.teams[0].pk, w.teams[1].pk]
    w.challenge.refresh_from_db()
    assert w.challenge.status == Challenge.Status.NOTICE
    assert w.challenge.notice_ends_at == AFTER_CLOSE + timedelta(days=6)
    assert Application.objects.get(pk=w.teams[2].pk).status == Application.Status.SUBMITTED


def test_no_decision_while_scorecards_are_missing():
    w = world("reviewing")
    with pytest.raises(ValidationError, match="Scorecards still missing"):
        services.decide(w.challenge, by=w.hq, now=AFTER_CLOSE)


def test_award_waits_for_the_notice_period_and_resolved_objections(set_region_parameter):
    w = world("notice")
    objector = w.team_members[2]
    decided = w.challenge.decided_at
    objection = services.raise_objection(
        w.challenge, "甲研究院的样品数据存疑", by=objector, now=decided + timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="public notice runs until"):
        services.award(w.challenge, by=w.hq, now=decided + timedelta(days=4))
    with pytest.raises(ValidationError, match="Resolve every objection"):
        services.award(w.challenge, by=w.hq, now=decided + timedelta(days=5))
    services.resolve_objection(
        objection, "经复核，检测报告真实有效。", upheld=False, by=w.hq, now=decided + timedelta(days=2)
    )
    with pytest.raises(ValidationError, match="public notice has ended"):
        services.raise_objection(w.challenge, "太迟了", by=objector, now=decided + timedelta(days=5))
    challenge = services.award(w.challenge, by=w.hq, now=decided + timedelta(days=5))
    assert challenge.status == Challenge.Status.AWARDED


def test_an_upheld_objection_reopens_the_decision():
    w = world("notice")
    decided = w.challenge.decided_at
    objection = services.raise_objection(w.challenge, "利益冲突未申报", by=w.team_members[2], now=decided)
    services.resolve_objection(objection, "属实", upheld=True, by=w.hq, now=decided)
    with pytest.raises(ValidationError, match="reopen the decision"):
        services.award(w.challenge, by=w.hq, now=decided + timedelta(days=9))
    challenge = services.reopen_decision(w.challenge, "异议成立，重新评审", by=w.hq, now=decided)
    assert challenge.status == Challenge.Status.REVIEWING and not challenge.awards.exists()


def test_notice_days_come_from_the_region_pack(set_region_parameter):
    set_region_parameter("challenge_notice_days", 7)
    w = world("notice")
    assert w.challenge.notice_ends_at - w.challenge.decided_at == timedelta(days=7)
    assert w.challenge.notice_ends_at.tzinfo is not None
    assert datetime(2026, 4, 9, 9, 0, tzinfo=SHANGHAI) == w.challenge.notice_ends_at


def test_the_matching_engine_ranks_the_expert_whose_profile_fits_the_challenge_first():
    """The pool (chain and field) is ranked by the matching engine for the challenge's problem and
    indicators (the test settings' hashing embedder); a conflicted expert is never proposable."""
    w = world("applied")
    services.start_review(w.challenge, by=w.hq, now=AFTER_CLOSE)
    unrelated = expert_with_user(name="甲专家", bio="小麦育种与盐碱地改良，旱作农业节水灌溉。")
    fitting = expert_with_user(
        name="乙专家", bio="高温永磁电机退磁机理，钕铁硼磁体耐温性能与磁通损失检测，转子散热。"
    )
    conflicted = expert_with_user(
        name="丙专家", organization=w.teams[0].lead, bio="高温永磁电机退磁机理，钕铁硼磁体耐温性能。"
    )
    proposal = selectors.panel_proposal(w.challenge, 5, AFTER_CLOSE)
    assert proposal.ranked and not proposal.notice
    order = [c.expert.pk for c in proposal.candidates]
    assert order.index(fitting.pk) < order.index(unrelated.pk)
    by_pk = {c.expert.pk: c for c in proposal.candidates}
    assert by_pk[fitting.pk].shared_terms
    assert by_pk[conflicted.pk].conflicts and by_pk[conflicted.pk].match is None
    assert conflicted.pk not in {e.pk for e in proposal.proposed}
    assert proposal.proposed[0] == fitting


def test_without_the_index_the_pool_keeps_its_order_with_a_notice(monkeypatch, client):
    from mengkeju.matching import adapter

    w = world("applied")
    services.start_review(w.challenge, by=w.hq, now=AFTER_CLOSE)
    free = [expert_with_user() for _ in range(3)]
    conflicted = expert_with_user(organization=w.teams[0].lead)

    def broken(*args, **kwargs):
        raise OSError("index folder unreadable")

    monkeypatch.setattr(adapter, "experts_for_text", broken)
    proposal = selectors.panel_proposal(w.challenge, 3, AFTER_CLOSE)
    assert not proposal.ranked and "unavailable" in proposal.notice
    assert [c.expert.pk for c in proposal.candidates] == [
        c.expert.pk for c in selectors.panel_candidates(w.challenge, AFTER_CLOSE)
    ]
    assert {e.pk for e in proposal.proposed} == {e.pk for e in free}
    client.force_login(w.hq)
    page = client.get(f"/challenges/{w.challenge.pk}/panel/")
    assert page.status_code == 200
    assert 'id="panel-notice"' in page.content.decode()
    assert conflicted.pk not in page.context["proposed"]
