"""Role × action: who may see and do what in an open challenge. The table is written out in full and
checked against the permission rules, the list queries, the pages and the REST API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from mengkeju.challenges import permissions, selectors, services
from mengkeju.challenges.models import Application, Challenge
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .factories import AFTER_CLOSE, draft, expert_with_user, member
from .helpers import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Role = User.Role

ROLES = [
    "anonymous",
    "publisher_member",
    "applicant_member",
    "unrelated_member",
    "panel_expert",
    "other_expert",
    "subcenter_staff",
    "broker",
    "hq_operator",
    "platform_admin",
]
ALL = set(ROLES)
SIGNED_IN = ALL - {"anonymous"}
HQ = {"hq_operator", "platform_admin"}

EXPECTED = {
    "view_published": ALL,
    "view_draft": {"publisher_member"} | HQ,
    "edit_draft": {"publisher_member", "platform_admin"},
    "review_challenge": HQ,
    "apply": {"applicant_member", "unrelated_member"},
    "view_application": {"publisher_member", "applicant_member", "panel_expert"} | HQ,
    "manage_application": {"applicant_member"},
    "run_review": HQ,
    "score": {"panel_expert"},
    "view_other_experts_scorecard": HQ,
    "see_ranking_during_review": HQ,
    "object_during_notice": SIGNED_IN,
    "upload_evidence": {"applicant_member"},
    "accept_milestone": {"panel_expert"},
    "release_tranche": {"publisher_member"} | HQ,
    "report_cofunding": {"applicant_member"},
}


@pytest.fixture
def setup(db):
    w = world("reviewing")
    hq_org = Organization.objects.get(code="hq")
    baotou = Organization.objects.get(code="baotou")
    people = {
        "anonymous": AnonymousUser(),
        "publisher_member": w.publisher_member,
        "applicant_member": w.team_members[0],
        "unrelated_member": member(OrganizationFactory(name="无关企业")),
        "panel_expert": w.experts[0].user,
        "other_expert": expert_with_user().user,
        "subcenter_staff": UserFactory(role=Role.SUBCENTER_STAFF, organization=baotou),
        "broker": UserFactory(role=Role.BROKER, organization=baotou),
        "hq_operator": w.hq,
        "platform_admin": UserFactory(role=Role.PLATFORM_ADMIN, organization=hq_org),
    }
    # A scorecard by another panel expert, saved but not submitted.
    team = Application.objects.select_related("challenge").get(pk=w.teams[0].pk)
    card = services.save_scorecard(
        team, by=w.experts[1].user, scores={c["code"]: 50 for c in w.challenge.rubric}, now=AFTER_CLOSE
    )
    draft_challenge = draft(w.publisher_member, title="草稿榜单")
    return {"w": w, "people": people, "card": card, "draft": draft_challenge, "team": team}


def checks(s):
    w, team = s["w"], s["team"]
    milestone = team.milestones.first()
    notice = Challenge(pk=w.challenge.pk, publisher=w.challenge.publisher, status=Challenge.Status.NOTICE)
    open_challenge = Challenge(
        pk=w.challenge.pk, publisher=w.challenge.publisher, status=Challenge.Status.PUBLISHED
    )
    in_review = s["draft"]
    return {
        "view_published": lambda u: permissions.can_view_challenge(u, w.challenge),
        "view_draft": lambda u: permissions.can_view_challenge(u, s["draft"]),
        "edit_draft": lambda u: permissions.can_edit_challenge(u, s["draft"]),
        "review_challenge": lambda u: permissions.can_review_challenge(
            u, Challenge(publisher=in_review.publisher, status=Challenge.Status.IN_REVIEW)
        ),
        "apply": lambda u: permissions.can_apply(u, open_challenge),
        "view_application": lambda u: permissions.can_view_application(u, team),
        "manage_application": lambda u: permissions.can_manage_application(u, team),
        "run_review": lambda u: permissions.can_run_review(u, w.challenge),
        "score": lambda u: permissions.can_score(u, team),
        "view_other_experts_scorecard": lambda u: permissions.can_view_scorecard(u, s["card"]),
        "see_ranking_during_review": lambda u: permissions.can_see_ranking(u, w.challenge),
        "object_during_notice": lambda u: permissions.can_object(u, notice),
        "upload_evidence": lambda u: permissions.can_upload_evidence(u, milestone),
        "accept_milestone": lambda u: permissions.can_accept_milestone(u, milestone),
        "release_tranche": lambda u: permissions.can_release_tranche(u, milestone),
        "report_cofunding": lambda u: permissions.can_report_cofunding(u, team),
    }


@pytest.mark.parametrize("role", ROLES)
def test_permission_rules_match_the_table(role, setup):
    user = setup["people"][role]
    for action, check in checks(setup).items():
        assert bool(check(user)) == (role in EXPECTED[action]), (action, role)


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_show_exactly_what_may_be_viewed(role, setup):
    user = setup["people"][role]
    w = setup["w"]
    assert selectors.visible_challenges(user).filter(pk=w.challenge.pk).exists()
    assert selectors.visible_challenges(user).filter(pk=setup["draft"].pk).exists() == (
        role in EXPECTED["view_draft"]
    )
    assert selectors.visible_applications(user).filter(pk=setup["team"].pk).exists() == (
        role in EXPECTED["view_application"]
    )
    assert selectors.visible_scorecards(user).filter(pk=setup["card"].pk).exists() == (
        role in EXPECTED["view_other_experts_scorecard"]
    )


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_api_enforce_the_same_rules(role, setup, client):
    user = setup["people"][role]
    w, team, draft_challenge = setup["w"], setup["team"], setup["draft"]
    api = APIClient()
    if role != "anonymous":
        client.force_login(user)
        api.force_authenticate(user)
    assert client.get(f"/challenges/{w.challenge.pk}/").status_code == 200
    assert api.get(f"/api/challenges/challenges/{w.challenge.pk}/").status_code == 200
    may_see_draft = role in EXPECTED["view_draft"]
    assert client.get(f"/challenges/{draft_challenge.pk}/").status_code == (200 if may_see_draft else 404)
    assert api.get(f"/api/challenges/challenges/{draft_challenge.pk}/").status_code == (
        200 if may_see_draft else 404
    )
    page = client.get(f"/challenges/applications/{team.pk}/")
    endpoint = api.get(f"/api/challenges/applications/{team.pk}/")
    if role == "anonymous":
        assert page.status_code == 302 and endpoint.status_code == 401
    else:
        may = role in EXPECTED["view_application"]
        assert page.status_code == (200 if may else 404), role
        assert endpoint.status_code == (200 if may else 404), role
    ranking = api.get(f"/api/challenges/challenges/{w.challenge.pk}/ranking/")
    assert (ranking.status_code == 200) == (role in EXPECTED["see_ranking_during_review"]), role
    panel = api.get(f"/api/challenges/challenges/{w.challenge.pk}/panel/")
    assert (panel.status_code == 200) == (role in EXPECTED["run_review"]), role


@pytest.mark.parametrize("role", ROLES)
def test_only_hq_decides_through_the_api_and_nothing_changes_otherwise(role, setup):
    w = setup["w"]
    for expert in w.experts:
        for team in w.teams:
            services.save_scorecard(
                team,
                by=expert.user,
                scores={c["code"]: 60 for c in w.challenge.rubric},
                submit=True,
                now=AFTER_CLOSE,
            )
    user = setup["people"][role]
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(user)
    events = w.challenge.events.count()
    response = api.post(f"/api/challenges/challenges/{w.challenge.pk}/decide/")
    w.challenge.refresh_from_db()
    if role in HQ:
        assert response.status_code == 200, response.content
        assert w.challenge.status == Challenge.Status.NOTICE
    else:
        assert response.status_code in (401, 403), (role, response.status_code)
        assert w.challenge.status == Challenge.Status.REVIEWING
        assert w.challenge.events.count() == events
