"""Who may see and do what in an open challenge. One place for the rules; selectors mirror the
`can_view_*` functions, pages and API call these. See docs/challenges.md for the table.

- anyone, signed in or not: published challenges (and later stages), the public notice, the overview;
- publisher member (organization member of the publishing organization): drafts, edits and submits
  its challenges for review, sees their applications, raises nothing against itself, releases
  tranches on accepted milestones (it is the buyer of the contract);
- applicant member (member of the lead organization; partners' members may look): applies,
  withdraws, resubmits, uploads milestone evidence;
- any other organization member: may apply to a published challenge;
- expert on the challenge's panel: sees the applications, scores them blind (only their own
  scorecards, never another expert's), sees the ranking only after submitting every scorecard (its
  order, not the scores, until the decision is public),
  records acceptance verdicts (验收) and sees the other experts' verdicts only after recording theirs;
- expert not on the panel, sub-center staff, broker: what the public sees (and any member may object
  during the public notice — every signed-in person may);
- headquarters operator and platform administrator: review and publish, form panels, decide, resolve
  objections, award, release tranches, down-select; see every scorecard.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import User

from .models import EDITABLE_STATES, PUBLIC_STATES, Application, Challenge, Milestone

Role = User.Role
HQ_ROLES = frozenset({Role.HQ_OPERATOR, Role.PLATFORM_ADMIN})
Status = Challenge.Status


def is_hq(user) -> bool:
    return role_of(user) in HQ_ROLES


def _member_of(user, organization_id) -> bool:
    return bool(
        role_of(user) == Role.MEMBER and user.organization_id and user.organization_id == organization_id
    )


def is_publisher_member(user, challenge: Challenge) -> bool:
    return _member_of(user, challenge.publisher_id)


def expert_profile(user):
    if role_of(user) != Role.EXPERT:
        return None
    return getattr(user, "expert_profile", None)


def is_panel_expert(user, challenge: Challenge) -> bool:
    expert = expert_profile(user)
    return bool(expert and challenge.panel.filter(expert=expert).exists())


def is_lead_member(user, application: Application) -> bool:
    return _member_of(user, application.lead_id)


def is_team_member(user, application: Application) -> bool:
    if role_of(user) != Role.MEMBER or not user.organization_id:
        return False
    return user.organization_id in application.organization_ids()


# --- challenges --------------------------------------------------------------------------------


def can_view_challenge(user, challenge: Challenge) -> bool:
    if challenge.status in PUBLIC_STATES:
        return True
    return is_hq(user) or is_publisher_member(user, challenge)


def can_draft_challenge(user, publisher) -> bool:
    """A member drafts for their own organization; a platform admin for any."""
    if role_of(user) == Role.PLATFORM_ADMIN:
        return True
    return publisher is not None and _member_of(user, publisher.pk)


def can_edit_challenge(user, challenge: Challenge) -> bool:
    if challenge.status not in EDITABLE_STATES:
        return False
    return role_of(user) == Role.PLATFORM_ADMIN or is_publisher_member(user, challenge)


def can_submit_challenge(user, challenge: Challenge) -> bool:
    return can_edit_challenge(user, challenge)


def can_review_challenge(user, challenge: Challenge) -> bool:
    """Publish or return a challenge awaiting review."""
    return challenge.status == Status.IN_REVIEW and is_hq(user)


def can_cancel_challenge(user, challenge: Challenge) -> bool:
    if challenge.status in (Status.DRAFT, Status.RETURNED, Status.IN_REVIEW):
        return is_hq(user) or is_publisher_member(user, challenge)
    return challenge.status == Status.PUBLISHED and is_hq(user)


def can_run_review(user, challenge: Challenge) -> bool:
    """Start the review, form the panel, decide, resolve objections, award, down-select."""
    return is_hq(user)


# --- applications ------------------------------------------------------------------------------


def can_apply(user, challenge: Challenge) -> bool:
    """Members of any organization but the publisher. The window and eligibility are checked by the service."""
    return (
        challenge.status == Status.PUBLISHED
        and role_of(user) == Role.MEMBER
        and bool(user.organization_id)
        and user.organization_id != challenge.publisher_id
    )


def can_view_application(user, application: Application) -> bool:
    challenge = application.challenge
    return (
        is_hq(user)
        or is_publisher_member(user, challenge)
        or is_team_member(user, application)
        or is_panel_expert(user, challenge)
    )


def can_manage_application(user, application: Application) -> bool:
    """Withdraw or resubmit (the service checks the window)."""
    return is_lead_member(user, application)


# --- review ------------------------------------------------------------------------------------


def can_score(user, application: Application) -> bool:
    return application.challenge.status == Status.REVIEWING and is_panel_expert(user, application.challenge)


def can_view_scorecard(user, scorecard) -> bool:
    """Blind review: an expert sees their own scorecards only; HQ sees all."""
    if is_hq(user):
        return True
    expert = expert_profile(user)
    return bool(expert and scorecard.expert_id == expert.pk)


def can_see_ranking(user, challenge: Challenge) -> bool:
    """HQ always; everyone once the decision is public; a panel expert once all their scorecards are in."""
    if is_hq(user) or challenge.status in (Status.NOTICE, Status.AWARDED):
        return True
    expert = expert_profile(user)
    if expert is None or not is_panel_expert(user, challenge):
        return False
    applications = challenge.applications.filter(status=Application.Status.SUBMITTED)
    submitted = challenge.applications.filter(
        scorecards__expert=expert, scorecards__submitted_at__isnull=False
    ).count()
    return applications.exists() and submitted >= applications.count()


def can_see_ranking_scores(user, challenge: Challenge) -> bool:
    """The aggregate scores beside the ranking: HQ always, everyone once the decision is public. A
    panel expert sees only the order while the review runs: with two scores in, the mean and their own
    score would give away the other expert's exactly (2 × mean − own)."""
    return is_hq(user) or challenge.status in (Status.NOTICE, Status.AWARDED)


def can_object(user, challenge: Challenge) -> bool:
    return role_of(user) is not None and challenge.status == Status.NOTICE


# --- after the award ---------------------------------------------------------------------------


def can_upload_evidence(user, milestone: Milestone) -> bool:
    return is_lead_member(user, milestone.application)


def can_accept_milestone(user, milestone: Milestone) -> bool:
    return is_panel_expert(user, milestone.application.challenge)


def has_recorded_verdict(user, milestone: Milestone) -> bool:
    """The expert has recorded their verdict in the milestone's current acceptance round."""
    expert = expert_profile(user)
    return bool(
        expert and milestone.acceptances.filter(expert=expert, round=milestone.acceptance_round).exists()
    )


def can_record_verdict(user, milestone: Milestone) -> bool:
    return (
        milestone.status == Milestone.Status.EVIDENCE
        and can_accept_milestone(user, milestone)
        and not has_recorded_verdict(user, milestone)
    )


def can_view_acceptance(user, acceptance) -> bool:
    """Blind acceptance, as blind scoring: while a round is open (evidence awaiting verdicts) an expert
    sees their own verdict, and the others' only once theirs is recorded; the team and the publisher
    see the verdicts once the round is decided. HQ sees all."""
    if is_hq(user):
        return True
    expert = expert_profile(user)
    if expert is not None and acceptance.expert_id == expert.pk:
        return True
    milestone = acceptance.milestone
    open_round = (
        milestone.status == Milestone.Status.EVIDENCE and acceptance.round == milestone.acceptance_round
    )
    if not open_round:
        return can_view_application(user, milestone.application)
    return is_panel_expert(user, milestone.application.challenge) and has_recorded_verdict(user, milestone)


def can_report_cofunding(user, application: Application) -> bool:
    return is_lead_member(user, application)


def can_release_tranche(user, milestone: Milestone) -> bool:
    return is_hq(user) or is_publisher_member(user, milestone.application.challenge)
