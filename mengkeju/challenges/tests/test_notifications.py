"""Challenge outcomes and milestone verdicts notify exactly the right people once, and acceptance stays
blind: neither the team nor the publisher is told anything before the round is decided."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.challenges import services
from mengkeju.challenges.models import Application, Milestone
from mengkeju.network.models import User
from mengkeju.notifications.models import Notification

from .factories import AFTER_CLOSE
from .helpers import member, world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = AFTER_CLOSE + timedelta(days=60)


def told(kind=Notification.Kind.CHALLENGE, contains="") -> dict[str, int]:
    """username → how many notifications of `kind` (whose message contains `contains`) they got."""
    counts: dict[str, int] = {}
    for note in Notification.objects.filter(kind=kind).select_related("user"):
        if contains in note.message:
            counts[note.user.username] = counts.get(note.user.username, 0) + 1
    return counts


def test_the_award_tells_winners_losers_and_the_publisher_once_each():
    w = world("notice")
    partner = member(w.teams[0].lead)  # a second member of team A's lead organization
    Notification.objects.all().delete()
    services.award(w.challenge, by=w.hq, now=AFTER_CLOSE + timedelta(days=7))
    statuses = dict(Application.objects.values_list("lead__name", "status"))
    winners = {
        u.username
        for u, t in zip([*w.team_members, partner], [*w.teams, w.teams[0]], strict=True)
        if statuses[t.lead.name] == "awarded"
    }
    losers = {
        u.username
        for u, t in zip(w.team_members, w.teams, strict=True)
        if statuses[t.lead.name] == "not_awarded"
    }
    assert winners and losers
    title = w.challenge.title
    everyone = told()
    assert told(contains="Your team was awarded") == dict.fromkeys(winners, 1)
    assert told(contains="not awarded") == dict.fromkeys(losers, 1)
    assert told(contains="was awarded to 2 teams") == {w.publisher_member.username: 1}
    assert {name for name in everyone if name in losers} == losers
    assert all(everyone[name] == 1 for name in losers | winners)
    assert everyone[w.publisher_member.username] == 1
    assert set(everyone) == winners | losers | {w.publisher_member.username}  # no expert, no HQ
    assert all(title in n.message for n in Notification.objects.filter(kind=Notification.Kind.CHALLENGE))


def _with_evidence(w):
    milestone = w.teams[0].milestones.get(position=2)
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    services.upload_evidence(milestone, pdf, by=w.team_members[0], now=LATER)
    return Milestone.objects.get(pk=milestone.pk)


def _verdict(milestone, expert, met: bool):
    results = {i.pk: {"met": met, "note": ""} for i in milestone.indicators.all()}
    services.accept_milestone(
        milestone, by=expert.user, results=results, note="" if met else "不达标", now=LATER
    )


def test_milestone_verdicts_stay_blind_until_the_round_is_decided(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = world("awarded")
    team_a = w.teams[0]
    team_org_people = set(
        User.objects.filter(organization_id__in=team_a.organization_ids(), role=User.Role.MEMBER).values_list(
            "username", flat=True
        )
    )
    milestone = _with_evidence(w)
    Notification.objects.all().delete()
    _verdict(milestone, w.experts[0], True)
    _verdict(milestone, w.experts[1], False)
    assert told() == {}  # two of three verdicts in: nobody learns anything yet
    _verdict(milestone, w.experts[2], True)
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.ACCEPTED
    expected = team_org_people | {w.publisher_member.username}
    assert told() == dict.fromkeys(expected, 1)
    assert milestone.title in Notification.objects.filter(kind=Notification.Kind.CHALLENGE).first().message
    other_teams = {u.username for u in w.team_members[1:]}
    assert not other_teams & set(told())
