"""The expert review: headquarters starts it and forms the panel (no expert with a conflict of
interest), experts declare conflicts and score the applications on the rubric.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.network.models import Organization

from .. import permissions, rules
from ..models import Application, Challenge, ConflictDeclaration, PanelMember, Scorecard
from ..selectors import expert_conflicts, panel_min_experts, submitted_applications
from ._common import Action, AppStatus, Status, _clean_note, _hq_only, _lock, _move, _notify, _now, _record


@transaction.atomic
def start_review(challenge: Challenge, *, by, now=None) -> Challenge:
    """Once the window has closed, HQ starts the expert review of the submitted applications."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(challenge, by=by)
    if challenge.status == Status.PUBLISHED and now < challenge.closes_at:
        raise ValidationError(
            _("The review starts after the application window closes."), code="out_of_range"
        )
    if challenge.status == Status.PUBLISHED and not submitted_applications(challenge).exists():
        raise ValidationError(
            _("No application was submitted; cancel the challenge or publish it again."), code="invalid"
        )
    return _move(challenge, Status.REVIEWING, by=by, now=now, action=Action.REVIEW_STARTED)


@transaction.atomic
def form_panel(challenge: Challenge, experts, *, by, now=None) -> list[PanelMember]:
    """HQ puts experts on the review panel. An expert with a conflict of interest is refused with the
    reason; the panel must reach the region's minimum size. Adding to an existing panel is allowed."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(challenge, by=by)
    if challenge.status != Status.REVIEWING:
        raise ValidationError(
            _("The panel is formed once the expert review has started."), code="invalid_state"
        )
    experts = list(experts)
    errors = []
    for expert in experts:
        conflicts = expert_conflicts(expert, challenge, now)
        if conflicts:
            errors.append(
                _("%(name)s has a conflict of interest: %(reasons)s.")
                % {"name": expert.name, "reasons": "; ".join(c.message for c in conflicts)}
            )
        if expert.user_id is None:
            errors.append(_("%(name)s has no user account to score with.") % {"name": expert.name})
    current = set(challenge.panel.values_list("expert_id", flat=True))
    size = len(current | {e.pk for e in experts})
    if size < panel_min_experts():
        errors.append(
            _("A panel needs at least %(n)s experts; this one would have %(size)s.")
            % {"n": panel_min_experts(), "size": size}
        )
    if errors:
        raise ValidationError({"experts": errors})
    added = [
        PanelMember.objects.create(challenge=challenge, expert=expert, added_at=now)
        for expert in experts
        if expert.pk not in current
    ]
    _record(
        challenge,
        Action.PANEL_FORMED,
        by=by,
        now=now,
        data={"experts": [m.expert_id for m in added]},
        note="、".join(m.expert.name for m in added),
    )
    url = reverse("challenges:detail", args=[challenge.pk])
    _notify(
        [m.expert.user for m in added],
        _("You are on the review panel of “%(title)s”.") % {"title": challenge.title},
        url,
    )
    return added


@transaction.atomic
def declare_conflict(challenge: Challenge, organization: Organization, *, by, note="", now=None):
    """An expert declares a conflict of interest with an organization (回避). An expert on this
    challenge's panel who declares a conflict with an applicant or the publisher leaves the panel;
    their scorecards no longer count."""
    now = _now(now)
    expert = permissions.expert_profile(by)
    if expert is None:
        raise PermissionDenied(_("Only experts declare conflicts of interest."))
    note = _clean_note(note, required=False)
    declaration, _created = ConflictDeclaration.objects.get_or_create(
        expert=expert, organization=organization, defaults={"note": note, "declared_at": now}
    )
    left = False
    if challenge.panel.filter(expert=expert).exists() and expert_conflicts(expert, challenge, now):
        challenge.panel.filter(expert=expert).delete()
        left = True
    _record(
        challenge,
        Action.CONFLICT_DECLARED,
        by=by,
        now=now,
        note=organization.name,
        data={"expert": expert.pk, "organization": organization.pk, "left_panel": left},
    )
    return declaration


@transaction.atomic
def save_scorecard(
    application: Application, *, by, scores: dict, comment: str = "", submit: bool = False, now=None
):
    """A panel expert scores an application on the rubric (0–100 per criterion). Saved scores stay
    the expert's own until submitted; a submitted scorecard never changes."""
    now = _now(now)
    application = Application.objects.select_related("challenge").get(pk=application.pk)
    challenge = application.challenge
    if not permissions.can_score(by, application):
        raise PermissionDenied(_("Only experts on the panel score, during the review."))
    if application.status != AppStatus.SUBMITTED:
        raise ValidationError(_("This application is not under review."), code="invalid")
    expert = permissions.expert_profile(by)
    card = Scorecard.objects.select_for_update().filter(application=application, expert=expert).first()
    if card is not None and card.submitted_at is not None:
        raise ValidationError(
            _("You have already submitted this scorecard; it cannot be changed."), code="duplicate"
        )
    cleaned, errors = {}, []
    for criterion in challenge.rubric:
        code = criterion["code"]
        value = (scores or {}).get(code)
        try:
            number = Decimal(str(value).strip())
            if not number.is_finite() or number < 0 or number > rules.MAX_SCORE:
                raise InvalidOperation
            cleaned[code] = str(number)
        except (InvalidOperation, TypeError, ValueError):
            errors.append(_("“%(name)s”: a score from 0 to 100.") % {"name": criterion["name"]})
    if errors:
        raise ValidationError({"scores": errors})
    comment = _clean_note(comment, required=False, field="comment")
    total = rules.weighted_total(challenge.rubric, cleaned)
    if card is None:
        card = Scorecard(application=application, expert=expert)
    card.scores, card.comment, card.total = cleaned, comment, total
    card.submitted_at = now if submit else None
    card.save()
    if submit:
        _record(challenge, Action.SCORED, by=by, now=now, application=application)
    return card
