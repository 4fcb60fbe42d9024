"""Read queries of open challenges. `visible_*` mirror permissions.can_view_*."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Expert
from mengkeju.core.roles import role_of
from mengkeju.matching import adapter
from mengkeju.network.models import User
from mengkeju.network.selectors import region_parameter

from . import permissions, rules
from .models import (
    PUBLIC_STATES,
    Application,
    Award,
    Challenge,
    ChallengeEvent,
    Milestone,
    Scorecard,
    Tranche,
)

log = logging.getLogger(__name__)
Role = User.Role
Status = Challenge.Status
AppStatus = Application.Status


def visible_challenges(user) -> QuerySet[Challenge]:
    qs = Challenge.objects.all()
    if permissions.is_hq(user):
        return qs
    q = Q(status__in=list(PUBLIC_STATES))
    if role_of(user) == Role.MEMBER and user.organization_id:
        q |= Q(publisher_id=user.organization_id)
    return qs.filter(q)


def visible_statuses(user) -> list[str]:
    """The states of the challenges this person may see: the list's status filter offers only these."""
    present = set(visible_challenges(user).order_by().values_list("status", flat=True).distinct())
    return [value for value in Challenge.Status.values if value in present]


# The list's orders: newest first (the default), by budget either way, closing soonest.
SORTS = {
    "newest": (F("published_at").desc(nulls_last=True), "-id"),
    "price_high": ("-budget_yuan", "-id"),
    "price_low": ("budget_yuan", "-id"),
    "closing": (F("closes_at").asc(nulls_last=True), "-id"),
}


def search(
    qs: QuerySet[Challenge],
    *,
    text: str = "",
    chain: str = "",
    status: str = "",
    mode: str = "",
    budget_min: Decimal | None = None,
    budget_max: Decimal | None = None,
) -> QuerySet[Challenge]:
    """The public list's search and filters: words in title/problem/field, chain code, status, mode, budget."""
    for word in (text or "").split():
        qs = qs.filter(Q(title__icontains=word) | Q(problem__icontains=word) | Q(field__icontains=word))
    if chain:
        qs = qs.filter(chain_links__chain__code=chain).distinct()
    if status:
        qs = qs.filter(status=status)
    if mode:
        qs = qs.filter(mode=mode)
    if budget_min is not None:
        qs = qs.filter(budget_yuan__gte=budget_min)
    if budget_max is not None:
        qs = qs.filter(budget_yuan__lte=budget_max)
    return qs


def with_related(qs: QuerySet[Challenge]) -> QuerySet[Challenge]:
    return qs.select_related("publisher").prefetch_related("chain_links__chain", "indicators")


# Steps of the blind expert work (who sits on the panel, who scored, each expert's acceptance verdict and
# note): headquarters reads them; the publisher sees the outcomes (decision, milestone accepted or not)
# but never which expert did or said what — not even from an empty note or the order of events.
BLIND_ACTIONS = frozenset(
    {
        ChallengeEvent.Action.PANEL_FORMED,
        ChallengeEvent.Action.CONFLICT_DECLARED,
        ChallengeEvent.Action.SCORED,
        ChallengeEvent.Action.VERDICT,
    }
)


def visible_events(user, challenge: Challenge) -> QuerySet[ChallengeEvent]:
    """The challenge's history as this user may read it: all of it for headquarters, the publisher's
    members without the blind review steps, nobody else anything."""
    events = challenge.events.select_related("actor")
    if permissions.is_hq(user):
        return events
    if permissions.is_publisher_member(user, challenge):
        return events.exclude(action__in=BLIND_ACTIONS)
    return events.none()


def visible_applications(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("challenge", "lead")
    if permissions.is_hq(user):
        return qs
    role = role_of(user)
    if role == Role.MEMBER and user.organization_id:
        org = user.organization_id
        return qs.filter(Q(challenge__publisher_id=org) | Q(lead_id=org) | Q(partners__id=org)).distinct()
    expert = permissions.expert_profile(user)
    if expert is not None:
        return qs.filter(challenge__panel__expert=expert)
    return qs.none()


def visible_scorecards(user) -> QuerySet[Scorecard]:
    """Blind review: HQ sees every scorecard, an expert only their own, everyone else none."""
    qs = Scorecard.objects.select_related("application__challenge", "application__lead", "expert")
    if permissions.is_hq(user):
        return qs
    expert = permissions.expert_profile(user)
    if expert is not None:
        return qs.filter(expert=expert)
    return qs.none()


def visible_milestones(user) -> QuerySet[Milestone]:
    return Milestone.objects.filter(application__in=visible_applications(user).values("pk"))


def visible_acceptances(user, milestone: Milestone) -> list:
    """The milestone's verdicts this person may see (permissions.can_view_acceptance), oldest first."""
    return [a for a in milestone.acceptances.all() if permissions.can_view_acceptance(user, a)]


# --- review ------------------------------------------------------------------------------------


def conflict_years() -> int:
    return int(region_parameter("challenge_conflict_years", 3))


def panel_min_experts() -> int:
    return int(region_parameter("challenge_panel_min_experts", 3))


def consortium_rules() -> rules.ConsortiumRules:
    """The region pack's consortium rules (docs/challenges.md); without them, none apply."""
    return rules.ConsortiumRules(
        lead_kinds=tuple(region_parameter("challenge_lead_kinds", None) or ()),
        lead_inside_region=bool(region_parameter("challenge_lead_inside_region", False)),
        cofunding_ratio=Decimal(str(region_parameter("challenge_cofunding_ratio", "0"))),
    )


def submitted_applications(challenge: Challenge):
    return challenge.applications.filter(status=AppStatus.SUBMITTED)


def applicant_organization_ids(challenge: Challenge) -> set[int]:
    ids: set[int] = set()
    for application in submitted_applications(challenge).prefetch_related("partners"):
        ids |= application.organization_ids()
    return ids


def expert_conflicts(expert, challenge: Challenge, now=None) -> list[rules.Conflict]:
    return rules.conflicts_of(
        expert,
        challenge,
        applicant_organization_ids(challenge),
        now=now or timezone.now(),
        years=conflict_years(),
    )


@dataclass
class Candidate:
    expert: Expert
    conflicts: list[rules.Conflict] = field(default_factory=list)
    on_panel: bool = False
    match: object | None = None  # the matching engine's result (score, explanation), when it ranked them

    @property
    def eligible(self) -> bool:
        return not self.conflicts

    @property
    def shared_terms(self) -> list[str]:
        return list(self.match.explanation.get("shared_terms") or []) if self.match is not None else []


def panel_candidates(challenge: Challenge, now=None) -> list[Candidate]:
    """Experts of the pool who know the challenge's chains or field, with their conflicts of interest.
    Those without a conflict come first; a conflicted expert is listed with the reasons, never proposed."""
    chain_ids = set(challenge.chain_links.values_list("chain_id", flat=True))
    q = Q(chain_links__chain_id__in=chain_ids) if chain_ids else Q(pk__in=[])
    if challenge.field:
        q |= Q(field__icontains=challenge.field)
    pool = (
        Expert.objects.filter(q | Q(challenge_panels__challenge=challenge))
        .select_related("organization", "user")
        .distinct()
        .order_by("tier", "name", "pk")
    )
    on_panel = set(challenge.panel.values_list("expert_id", flat=True))
    candidates = [
        Candidate(expert, expert_conflicts(expert, challenge, now), expert.pk in on_panel) for expert in pool
    ]
    return sorted(candidates, key=lambda c: (not c.on_panel, bool(c.conflicts), c.expert.user_id is None))


def challenge_query(challenge: Challenge) -> str:
    """What a challenge asks of the expert pool: its title, problem and quantified indicators."""
    indicators = "；".join(str(i) for i in challenge.indicators.all())
    return "。".join(x for x in (challenge.title, challenge.problem, challenge.field, indicators) if x)


@dataclass
class PanelProposal:
    candidates: list[Candidate]
    proposed: list[Expert]
    ranked: bool  # ranked by the matching engine; False: the pool's own order (the notice says why)
    notice: str = ""


def panel_proposal(challenge: Challenge, size: int | None = None, now=None) -> PanelProposal:
    """The pool (by chain and field) ranked by the matching engine for the challenge's text. Only
    experts without a conflict of interest are ranked and proposed; conflicted ones stay listed with
    the reasons. Without the index the pool keeps its own order and the notice says so; HQ chooses."""

    size = size or panel_min_experts()
    candidates = panel_candidates(challenge, now)
    eligible = {c.expert.pk: c for c in candidates if c.eligible}
    ranked, notice = False, ""
    position: dict[int, int] = {}
    if not settings.MATCHING_ENABLED:
        notice = _("Expert matching is switched off; the pool is shown in its usual order.")
    elif eligible:
        chains = set(challenge.chain_links.values_list("chain__code", flat=True))
        try:
            hits = adapter.experts_for_text(challenge_query(challenge), list(eligible), chains)
        except Exception:  # the index is a help, never a reason the panel page fails
            log.exception("could not rank experts for challenge %s", challenge.pk)
            notice = _("The matching index is unavailable; the pool is shown in its usual order.")
        else:
            ranked = True
            for n, (pk, result) in enumerate(hits):
                eligible[pk].match, position[pk] = result, n
    last = len(position)
    candidates.sort(
        key=lambda c: (
            not c.on_panel,
            bool(c.conflicts),
            c.expert.user_id is None,
            position.get(c.expert.pk, last),
        )
    )
    proposed = [c.expert for c in candidates if c.eligible and c.expert.user_id][:size]
    return PanelProposal(candidates, proposed, ranked, notice)


def proposed_panel(challenge: Challenge, size: int | None = None, now=None) -> list[Expert]:
    return panel_proposal(challenge, size, now).proposed


def missing_scorecards(challenge: Challenge) -> list[tuple[Expert, Application]]:
    panel = [m.expert for m in challenge.panel.select_related("expert")]
    applications = list(submitted_applications(challenge).select_related("lead"))
    done = set(
        Scorecard.objects.filter(application__in=applications, submitted_at__isnull=False).values_list(
            "expert_id", "application_id"
        )
    )
    return [(e, a.lead.name) for e in panel for a in applications if (e.pk, a.pk) not in done]


@dataclass
class RankRow:
    rank: int
    application: Application
    score: Decimal | None
    scores: int | None


def ranking(challenge: Challenge, *, with_scores: bool = True) -> list[RankRow]:
    """Applications under review (or selected) by aggregate score, highest first; only submitted
    scorecards of the current panel count. Ties: the earlier submission first. Without `with_scores`
    the order only (`permissions.can_see_ranking_scores`)."""
    panel = set(challenge.panel.values_list("expert_id", flat=True))
    applications = challenge.applications.filter(
        status__in=[
            Application.Status.SUBMITTED,
            Application.Status.SELECTED,
            Application.Status.AWARDED,
            Application.Status.NOT_AWARDED,
            Application.Status.DROPPED,
        ]
    ).select_related("lead")
    totals: dict[int, list[Decimal]] = {}
    for card in Scorecard.objects.filter(
        application__in=applications, submitted_at__isnull=False, expert_id__in=panel
    ):
        totals.setdefault(card.application_id, []).append(card.total)
    rows = [
        (a, rules.aggregate_scores(totals[a.pk]), len(totals[a.pk])) for a in applications if a.pk in totals
    ]
    rows.sort(key=lambda r: (-r[1], r[0].submitted_at, r[0].pk))
    if not with_scores:
        return [RankRow(n, a, None, None) for n, (a, _score, _count) in enumerate(rows, start=1)]
    return [RankRow(n, a, score, count) for n, (a, score, count) in enumerate(rows, start=1)]


# --- workspaces and overview -------------------------------------------------------------------


def workspace(user) -> dict:
    """What each role has to do: publisher's challenges, the team's applications, the expert's
    panels, HQ's queues."""
    data: dict = {}
    role = role_of(user)
    if role == Role.MEMBER and user.organization_id:
        data["published"] = Challenge.objects.filter(publisher_id=user.organization_id)
        data["applications"] = visible_applications(user).exclude(
            challenge__publisher_id=user.organization_id
        )
    expert = permissions.expert_profile(user)
    if expert is not None:
        data["panels"] = Challenge.objects.filter(panel__expert=expert).distinct()
        data["scorecards"] = Scorecard.objects.filter(expert=expert).select_related("application__lead")
    if permissions.is_hq(user):
        data["to_review"] = Challenge.objects.filter(status=Status.IN_REVIEW)
        data["running"] = Challenge.objects.filter(
            status__in=[Status.PUBLISHED, Status.REVIEWING, Status.NOTICE]
        )
        data["milestones_to_pay"] = Milestone.objects.filter(
            status=Milestone.Status.ACCEPTED, tranche__isnull=True
        ).select_related("application__challenge", "application__lead")
    return data


def overview() -> dict:
    """Public challenges by chain and by stage; money committed (awards in force) and released."""
    public = Challenge.objects.filter(status__in=list(PUBLIC_STATES))
    by_stage = {row["status"]: row["n"] for row in public.values("status").annotate(n=Count("id"))}
    by_chain_rows = (
        public.values("chain_links__chain__code", "chain_links__chain__name")
        .annotate(n=Count("id", distinct=True), budget=Sum("budget_yuan"))
        .order_by("chain_links__chain__code")
    )
    committed = Award.objects.filter(awarded_at__isnull=False).aggregate(s=Sum("amount_yuan"))[
        "s"
    ] or Decimal(0)
    released = Tranche.objects.aggregate(s=Sum("amount_yuan"))["s"] or Decimal(0)
    return {
        "by_stage": [(s.value, s.label, by_stage.get(s.value, 0)) for s in Status if s in PUBLIC_STATES],
        "by_chain": [
            {
                "code": r["chain_links__chain__code"] or "",
                "name": r["chain_links__chain__name"] or "—",
                "count": r["n"],
                "budget_yuan": r["budget"] or Decimal(0),
            }
            for r in by_chain_rows
        ],
        "committed_yuan": committed,
        "released_yuan": released,
        "budget_yuan": public.aggregate(s=Sum("budget_yuan"))["s"] or Decimal(0),
    }


# --- stage results (阶段评估结果) -----------------------------------------------------------------


@dataclass
class StageTeam:
    award: Award
    milestone: Milestone
    passed: bool
    dropped: bool

    @property
    def lead_name(self) -> str:
        return self.award.application.lead.name


@dataclass
class StageResult:
    position: int
    teams: list[StageTeam]

    @property
    def continuing(self) -> int:
        return sum(1 for t in self.teams if t.passed and not t.dropped)

    @property
    def dropped(self) -> int:
        return sum(1 for t in self.teams if t.dropped)


def stage_results(challenge: Challenge) -> list[StageResult]:
    """The public results of the staged assessment after the award: stage n is every team's n-th
    milestone. A stage is published once it is decided — each team still in the race at it has its
    milestone accepted (验收通过, by the panel's majority) or was dropped at it (赛马制 elimination).
    Only outcomes: no expert's verdict, score or note (blind review); a stage still open is not shown."""
    if challenge.status != Status.AWARDED:
        return []
    awards = list(
        challenge.awards.filter(awarded_at__isnull=False)
        .select_related("application__lead", "dropped_at_milestone")
        .prefetch_related("application__milestones")
        .order_by("rank")
    )
    by_award = {a.pk: {m.position: m for m in a.application.milestones.all()} for a in awards}
    positions = sorted({p for milestones in by_award.values() for p in milestones})
    results = []
    for position in positions:
        teams, decided = [], True
        for award in awards:
            milestone = by_award[award.pk].get(position)
            drop_at = award.dropped_at_milestone.position if award.dropped_at_milestone else None
            if milestone is None or (drop_at is not None and drop_at < position):
                continue  # no milestone at this stage, or out of the race before it
            dropped = drop_at == position
            passed = milestone.status == Milestone.Status.ACCEPTED
            if not (dropped or passed):
                decided = False
                break
            teams.append(StageTeam(award=award, milestone=milestone, passed=passed, dropped=dropped))
        if not decided or not teams:
            break  # stages are decided in order; a later one is not published before an earlier one
        results.append(StageResult(position=position, teams=teams))
    return results
