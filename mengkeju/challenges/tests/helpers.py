"""A challenge walked through the services up to any stage, for tests of the later rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from mengkeju.challenges import services
from mengkeju.challenges.models import Application, Challenge
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory

from .factories import AFTER_CLOSE, apply_as, expert_with_user, hq_operator, member, published_challenge

# Scores of five experts (rows) for three teams (columns): team A best, B second, C last.
SCORES = [
    (90, 80, 60),
    (88, 82, 65),
    (92, 78, 62),
    (85, 84, 70),
    (20, 95, 99),  # an outlier expert
]


@dataclass
class World:
    challenge: Challenge
    hq: User
    publisher_member: User
    teams: list[Application] = field(default_factory=list)
    team_members: list[User] = field(default_factory=list)
    experts: list = field(default_factory=list)


def world(stage: str = "published", **overrides) -> World:
    """stage: published | applied | reviewing | scored | notice | awarded."""
    hq = hq_operator()
    publisher_member = member(OrganizationFactory(name="包头稀土电机有限公司"))
    challenge = published_challenge(publisher_member, hq, **overrides)
    w = World(challenge, hq, publisher_member)
    if stage == "published":
        return w
    # Consortium leads are enterprises registered in the region (region pack `challenge_lead_kinds`).
    for name in ("甲科技公司", "乙材料公司", "丙公司"):
        user = member(OrganizationFactory(name=name, kind=Organization.Kind.ENTERPRISE))
        w.team_members.append(user)
        w.teams.append(apply_as(user, challenge))
    if stage == "applied":
        return w
    services.start_review(challenge, by=hq, now=AFTER_CLOSE)
    w.experts = [expert_with_user() for _ in range(5)]
    services.form_panel(challenge, w.experts, by=hq, now=AFTER_CLOSE)
    if stage == "reviewing":
        return w
    for expert, row in zip(w.experts, SCORES, strict=True):
        for team, score in zip(w.teams, row, strict=True):
            services.save_scorecard(
                team,
                by=expert.user,
                scores={c["code"]: score for c in challenge.rubric},
                submit=True,
                now=AFTER_CLOSE,
            )
    if stage == "scored":
        return w
    services.decide(challenge, by=hq, now=AFTER_CLOSE + timedelta(days=1))
    challenge.refresh_from_db()
    if stage == "notice":
        return w
    services.award(challenge, by=hq, now=AFTER_CLOSE + timedelta(days=7))
    challenge.refresh_from_db()
    return w
