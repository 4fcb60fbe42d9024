"""State changes of open challenges (揭榜挂帅): one function per use case.

Each validates, checks permission, writes inside a transaction and records an append-only
`ChallengeEvent`. Every function that depends on the clock takes `now` (an aware datetime), so
windows and notice periods are testable with a fixed clock; it defaults to the present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.deals import services as deal_services
from mengkeju.deals.models import ContractKind, ContractParty, SubKind
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import region_parameter, responsible_nodes

from . import permissions, rules
from .models import (
    CHALLENGE_TRANSITIONS,
    Acceptance,
    Application,
    Award,
    Challenge,
    ChallengeEvent,
    Commitment,
    ConflictDeclaration,
    Evidence,
    Indicator,
    Milestone,
    Objection,
    PanelMember,
    Scorecard,
    Tranche,
)

Status = Challenge.Status
AppStatus = Application.Status
Action = ChallengeEvent.Action
FEN = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_NOTE = 2000
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Accepted evidence files: extension -> leading bytes the file must start with (None: not checked).
EVIDENCE_TYPES: dict[str, bytes | None] = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".xlsx": b"PK",
    ".docx": b"PK",
    ".zip": b"PK",
    ".csv": None,
    ".txt": None,
}
DEFAULT_RUBRIC = [
    {"code": "route", "name": "技术路线", "name_en": "Technical route", "weight": "0.4"},
    {"code": "team", "name": "团队能力", "name_en": "Team capability", "weight": "0.3"},
    {"code": "indicators", "name": "指标承诺", "name_en": "Committed indicators", "weight": "0.2"},
    {"code": "budget", "name": "经费合理性", "name_en": "Budget", "weight": "0.1"},
]
CHALLENGE_FIELDS = (
    "title",
    "problem",
    "field",
    "budget_yuan",
    "mode",
    "teams_to_fund",
    "opens_at",
    "closes_at",
    "eligibility",
    "eligibility_notes",
    "ip_terms",
    "rubric",
)


# --- region parameters -------------------------------------------------------------------------


def conflict_years() -> int:
    return int(region_parameter("challenge_conflict_years", 3))


def notice_days() -> int:
    return int(region_parameter("challenge_notice_days", 5))


def panel_min_experts() -> int:
    return int(region_parameter("challenge_panel_min_experts", 3))


def acceptance_min_experts() -> int:
    return int(region_parameter("challenge_acceptance_min_experts", 3))


def default_rubric() -> list[dict]:
    return list(region_parameter("challenge_default_rubric", None) or DEFAULT_RUBRIC)


# --- plumbing ----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be an aware datetime")
    return now


def _record(
    challenge, action, *, by, now, application=None, from_status="", to_status="", note="", data=None
):
    return ChallengeEvent.objects.create(
        challenge=challenge,
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        actor=by if by is not None and by.is_authenticated else None,
        at=now,
    )


def _clean_note(note: str, *, required: bool, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError(
            {field: _("Please give a reason.") if field == "reason" else _("Please write a note.")}
        )
    if len(note) > MAX_NOTE:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_NOTE}})
    return note


def _lock(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def _move(
    challenge: Challenge, to_status: str, *, by, now, note="", action, data=None, **changes
) -> Challenge:
    if (challenge.status, to_status) not in CHALLENGE_TRANSITIONS:
        raise ValidationError(
            _("A challenge that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(challenge.status).label, "to": Status(to_status).label}
        )
    source = challenge.status
    Challenge.objects.filter(pk=challenge.pk).update(status=to_status, updated_at=now, **changes)
    challenge.refresh_from_db()
    _record(challenge, action, by=by, now=now, from_status=source, to_status=to_status, note=note, data=data)
    return challenge


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not result.is_finite():
        raise ValidationError({field: message})
    return result


def _notify(users, message: str, url: str) -> None:
    from mengkeju.notifications.models import Notification

    Notification.objects.bulk_create(
        [Notification(user=user, message=message[:300], url=url) for user in users if user is not None]
    )


# --- drafting and publishing -------------------------------------------------------------------


def _clean_challenge(values: dict) -> dict:
    errors: dict[str, list[str]] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    values = dict(values)
    for name in ("title", "problem", "field", "eligibility_notes", "ip_terms"):
        values[name] = (values.get(name) or "").strip()
    if not values["title"]:
        fail("title", _("Give the challenge a title."))
    if len(values["title"]) > 200:
        fail("title", _("At most %(n)s characters.") % {"n": 200})
    if not values["problem"]:
        fail("problem", _("Describe the problem to be solved."))
    try:
        budget = _decimal(values.get("budget_yuan"), "budget_yuan", _("Enter the budget in yuan."))
        if budget <= 0:
            fail("budget_yuan", _("The budget must be more than zero."))
        values["budget_yuan"] = budget.quantize(FEN)
    except ValidationError:
        fail("budget_yuan", _("Enter the budget in yuan."))
    mode = values.get("mode") or Challenge.Mode.SINGLE
    if mode not in Challenge.Mode.values:
        fail("mode", _("Choose single winner or horse race."))
    values["mode"] = mode
    teams = values.get("teams_to_fund") or 1
    try:
        teams = int(teams)
    except (TypeError, ValueError):
        teams = 0
    if mode == Challenge.Mode.HORSE_RACE and teams < 2:
        fail("teams_to_fund", _("A horse race funds at least two teams."))
    if mode == Challenge.Mode.SINGLE:
        teams = 1
    values["teams_to_fund"] = teams
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime):
        fail("closes_at", _("Give the application window: when it opens and when it closes."))
    elif timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        fail("closes_at", _("The window needs dates with a time zone."))
    elif closes_at <= opens_at:
        fail("closes_at", _("The window must close after it opens."))
    eligibility = values.get("eligibility") or {}
    if not isinstance(eligibility, dict):
        fail("eligibility", _("Eligibility rules are a set of named conditions."))
        eligibility = {}
    kinds = eligibility.get("organization_kinds") or []
    if any(kind not in Organization.Kind.values for kind in kinds):
        fail("eligibility", _("Unknown kind of organization in the eligibility rules."))
    values["eligibility"] = {
        "inside_region_only": bool(eligibility.get("inside_region_only")),
        "division_codes": [str(c) for c in eligibility.get("division_codes") or []],
        "organization_kinds": list(kinds),
    }
    rubric = values.get("rubric") or default_rubric()
    for message in rules.rubric_errors(rubric):
        fail("rubric", message)
    values["rubric"] = (
        [{**c, "weight": str(c["weight"])} for c in rubric] if not errors.get("rubric") else rubric
    )
    if errors:
        raise ValidationError(errors)
    return values


def _clean_indicators(indicators: list[dict]) -> list[dict]:
    if not indicators:
        raise ValidationError({"indicators": _("State at least one quantified technical indicator.")})
    cleaned, errors = [], []
    for n, raw in enumerate(indicators, start=1):
        name = (raw.get("name") or "").strip()
        direction = raw.get("direction") or Indicator.Direction.AT_LEAST
        if not name:
            errors.append(_("Indicator %(n)s: enter its name.") % {"n": n})
        if direction not in Indicator.Direction.values:
            errors.append(_("Indicator %(n)s: choose at least (≥) or at most (≤).") % {"n": n})
        try:
            target = Decimal(str(raw.get("target_value")).strip())
            if not target.is_finite():
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            errors.append(_("Indicator %(n)s: the target value must be a number.") % {"n": n})
            target = None
        cleaned.append(
            {
                "name": name[:100],
                "direction": direction,
                "target_value": target,
                "unit": (raw.get("unit") or "").strip()[:20],
                "verification": (raw.get("verification") or "").strip()[:200],
                "position": n,
            }
        )
    if errors:
        raise ValidationError({"indicators": errors})
    return cleaned


def _unknown(values: dict) -> None:
    unknown = set(values) - set(CHALLENGE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown challenge fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )


@transaction.atomic
def draft_challenge(
    *, by, publisher: Organization | None = None, indicators: list[dict], chain_links=(), now=None, **values
) -> Challenge:
    """An enterprise (or a government department) drafts a challenge for its own organization."""
    now = _now(now)
    _unknown(values)
    publisher = publisher or getattr(by, "organization", None)
    if not permissions.can_draft_challenge(by, publisher):
        raise PermissionDenied(_("Members draft challenges for their own organization."))
    if publisher is None:
        raise ValidationError({"publisher": _("Choose the publishing organization.")})
    values = _clean_challenge(values)
    indicators = _clean_indicators(indicators)
    challenge = Challenge.objects.create(publisher=publisher, created_by=by, status=Status.DRAFT, **values)
    challenge.chain_links.set(chain_links)
    Indicator.objects.bulk_create([Indicator(challenge=challenge, **i) for i in indicators])
    _record(challenge, Action.DRAFTED, by=by, now=now, to_status=Status.DRAFT)
    return challenge


@transaction.atomic
def update_challenge(challenge: Challenge, *, by, indicators=None, chain_links=None, now=None, **values):
    """Edit a draft or a returned challenge."""
    now = _now(now)
    _unknown(values)
    challenge = _lock(challenge)
    if not permissions.can_edit_challenge(by, challenge):
        raise PermissionDenied(_("Only the publisher edits a draft or returned challenge."))
    merged = _clean_challenge({**{n: getattr(challenge, n) for n in CHALLENGE_FIELDS}, **values})
    if indicators is not None:
        indicators = _clean_indicators(indicators)
    for name, value in merged.items():
        setattr(challenge, name, value)
    challenge.save()
    if chain_links is not None:
        challenge.chain_links.set(chain_links)
    if indicators is not None:
        challenge.indicators.all().delete()
        Indicator.objects.bulk_create([Indicator(challenge=challenge, **i) for i in indicators])
    return challenge


@transaction.atomic
def submit_challenge(challenge: Challenge, *, by, now=None) -> Challenge:
    """The publisher submits a draft (or returned) challenge to HQ for review."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_submit_challenge(by, challenge):
        raise PermissionDenied(_("Only the publisher submits its challenge for review."))
    if not challenge.indicators.exists():
        raise ValidationError({"indicators": _("State at least one quantified technical indicator.")})
    if challenge.closes_at <= now:
        raise ValidationError({"closes_at": _("The application window has already closed; change it first.")})
    return _move(challenge, Status.IN_REVIEW, by=by, now=now, action=Action.SUBMITTED)


@transaction.atomic
def publish_challenge(challenge: Challenge, *, by, now=None) -> Challenge:
    """HQ publishes a challenge it has reviewed; it appears in the public list."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_review_challenge(by, challenge):
        raise PermissionDenied(_("Only headquarters publishes challenges awaiting review."))
    if challenge.closes_at <= now:
        raise ValidationError(
            {"closes_at": _("The application window has already closed; return it instead.")}
        )
    return _move(
        challenge,
        Status.PUBLISHED,
        by=by,
        now=now,
        action=Action.PUBLISHED,
        published_at=now,
        return_reason="",
    )


@transaction.atomic
def return_challenge(challenge: Challenge, reason: str, *, by, now=None) -> Challenge:
    """HQ returns a challenge to its publisher with the reason."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_review_challenge(by, challenge):
        raise PermissionDenied(_("Only headquarters returns challenges awaiting review."))
    reason = _clean_note(reason, required=True, field="reason")
    return _move(
        challenge, Status.RETURNED, by=by, now=now, action=Action.RETURNED, note=reason, return_reason=reason
    )


@transaction.atomic
def cancel_challenge(challenge: Challenge, reason: str, *, by, now=None) -> Challenge:
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_cancel_challenge(by, challenge):
        raise PermissionDenied(_("You may not cancel this challenge."))
    reason = _clean_note(reason, required=True, field="reason")
    return _move(challenge, Status.CANCELLED, by=by, now=now, action=Action.CANCELLED, note=reason)


# --- applications (揭榜) ------------------------------------------------------------------------


def _window_open(challenge: Challenge, now: datetime) -> None:
    if challenge.status != Status.PUBLISHED:
        raise ValidationError(_("This challenge is not open for applications."))
    if now < challenge.opens_at:
        raise ValidationError(_("Applications open on %(at)s.") % {"at": _local(challenge.opens_at)})
    if now >= challenge.closes_at:
        raise ValidationError(
            _("The application window closed on %(at)s; late applications are refused.")
            % {"at": _local(challenge.closes_at)}
        )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment, deal_services.region_timezone()).strftime("%Y-%m-%d %H:%M")


def _clean_milestones(milestones: list[dict], indicators: dict[int, Indicator]) -> list[dict]:
    if not milestones:
        raise ValidationError({"milestones": _("Plan at least one milestone.")})
    cleaned, errors, total = [], [], Decimal(0)
    for n, raw in enumerate(milestones, start=1):
        title = (raw.get("title") or "").strip()
        if not title:
            errors.append(_("Milestone %(n)s: enter its title.") % {"n": n})
        due_on = raw.get("due_on")
        if not due_on:
            errors.append(_("Milestone %(n)s: enter its due date.") % {"n": n})
        try:
            share = Decimal(str(raw.get("share_percent")).strip())
            if not share.is_finite() or share <= 0 or share > HUNDRED:
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            errors.append(_("Milestone %(n)s: its share is a percentage above 0 and at most 100.") % {"n": n})
            share = Decimal(0)
        total += share
        ids = [int(i) for i in raw.get("indicator_ids") or []]
        if any(i not in indicators for i in ids):
            errors.append(
                _("Milestone %(n)s: verifies an indicator this challenge does not have.") % {"n": n}
            )
        cleaned.append(
            {
                "title": title[:200],
                "due_on": due_on,
                "share_percent": share,
                "indicator_ids": ids,
                "position": n,
            }
        )
    if not errors and total != HUNDRED:
        errors.append(
            _("The milestones' shares add up to %(total)s %%, not 100 %%.") % {"total": f"{total:f}"}
        )
    if errors:
        raise ValidationError({"milestones": errors})
    return cleaned


def _clean_members(members) -> list[dict]:
    cleaned = []
    for raw in members or []:
        if isinstance(raw, str):
            raw = {"name": raw}
        name = (raw.get("name") or "").strip()
        if name:
            cleaned.append({"name": name[:50], "role": (raw.get("role") or "").strip()[:100]})
    if not cleaned:
        raise ValidationError({"members": _("Name at least one team member.")})
    return cleaned


@dataclass
class ApplicationInput:
    partners: list[Organization]
    members: list[dict]
    technical_route: str
    budget_yuan: Decimal
    commitments: dict[int, Decimal]
    milestones: list[dict]


def _clean_application(challenge: Challenge, lead: Organization, raw: dict) -> ApplicationInput:
    indicators = {i.pk: i for i in challenge.indicators.all()}
    errors: dict[str, list] = {}
    route = (raw.get("technical_route") or "").strip()
    if not route:
        errors["technical_route"] = [_("Describe the technical route.")]
    try:
        budget = _decimal(raw.get("budget_yuan"), "budget_yuan", _("Enter the budget in yuan.")).quantize(FEN)
        if budget <= 0:
            errors["budget_yuan"] = [_("The budget must be more than zero.")]
        elif budget > challenge.budget_yuan:
            errors["budget_yuan"] = [
                _("The budget may not exceed the challenge's %(budget)s yuan.")
                % {"budget": f"{challenge.budget_yuan:,.2f}"}
            ]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        budget = Decimal(0)
    commitments: dict[int, Decimal] = {}
    for key, value in (raw.get("commitments") or {}).items():
        indicator = indicators.get(int(key))
        if indicator is None:
            errors.setdefault("commitments", []).append(_("Commit only to this challenge's indicators."))
            continue
        if value in (None, ""):
            continue
        try:
            commitments[indicator.pk] = _decimal(value, "commitments", "")
        except ValidationError:
            errors.setdefault("commitments", []).append(
                _("The committed value of “%(name)s” must be a number.") % {"name": indicator.name}
            )
    for name, clean in (
        ("members", lambda: _clean_members(raw.get("members"))),
        ("milestones", lambda: _clean_milestones(raw.get("milestones") or [], indicators)),
    ):
        try:
            raw[name] = clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    partners = [p for p in raw.get("partners") or [] if p.pk != lead.pk]
    if errors:
        raise ValidationError(errors)
    return ApplicationInput(partners, raw["members"], route, budget, commitments, raw["milestones"])


def _check_eligible(challenge, lead, data: ApplicationInput) -> None:
    failures = rules.eligibility_failures(
        challenge, [lead, *data.partners], data.commitments, challenge.indicators.all()
    )
    if failures:
        raise ValidationError({"eligibility": failures})


def _write_application(application: Application, data: ApplicationInput) -> None:
    application.partners.set(data.partners)
    application.commitments.all().delete()
    Commitment.objects.bulk_create(
        [Commitment(application=application, indicator_id=i, value=v) for i, v in data.commitments.items()]
    )
    application.milestones.all().delete()
    for m in data.milestones:
        milestone = Milestone.objects.create(
            application=application,
            position=m["position"],
            title=m["title"],
            due_on=m["due_on"],
            share_percent=m["share_percent"],
        )
        milestone.indicators.set(m["indicator_ids"])


@transaction.atomic
def apply(challenge: Challenge, *, by, now=None, **raw) -> Application:
    """揭榜: the member's organization applies as lead, with partners, members, route, budget, the
    value it commits to for every indicator and its milestones. Refused after the window closes and
    when a machine-checkable eligibility rule fails. A withdrawn application is replaced."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_apply(by, challenge):
        raise PermissionDenied(
            _("Members of organizations other than the publisher apply to published challenges.")
        )
    _window_open(challenge, now)
    lead = by.organization
    existing = Application.objects.filter(challenge=challenge, lead=lead).first()
    if existing is not None and existing.status != AppStatus.WITHDRAWN:
        raise ValidationError(
            _("Your organization has already applied; withdraw that application to change it.")
        )
    data = _clean_application(challenge, lead, dict(raw))
    _check_eligible(challenge, lead, data)
    fields = {
        "members": data.members,
        "technical_route": data.technical_route,
        "budget_yuan": data.budget_yuan,
        "status": AppStatus.SUBMITTED,
        "submitted_at": now,
        "submitted_by": by,
    }
    if existing is None:
        application = Application.objects.create(challenge=challenge, lead=lead, **fields)
        action = Action.APPLIED
    else:
        Application.objects.filter(pk=existing.pk).update(**fields)
        application = Application.objects.get(pk=existing.pk)
        action = Action.RESUBMITTED
    _write_application(application, data)
    _record(challenge, action, by=by, now=now, application=application, to_status=AppStatus.SUBMITTED)
    return application


@transaction.atomic
def withdraw_application(application: Application, *, by, now=None) -> Application:
    now = _now(now)
    application = Application.objects.select_for_update().select_related("challenge").get(pk=application.pk)
    if not permissions.can_manage_application(by, application):
        raise PermissionDenied(_("Only the lead organization withdraws its application."))
    if application.status != AppStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted application can be withdrawn."))
    _window_open(application.challenge, now)
    Application.objects.filter(pk=application.pk).update(status=AppStatus.WITHDRAWN)
    application.refresh_from_db()
    _record(
        application.challenge,
        Action.WITHDRAWN,
        by=by,
        now=now,
        application=application,
        from_status=AppStatus.SUBMITTED,
        to_status=AppStatus.WITHDRAWN,
    )
    return application


@transaction.atomic
def resubmit_application(application: Application, *, by, now=None) -> Application:
    """Submit a withdrawn application again, unchanged (eligibility and the window are checked again)."""
    now = _now(now)
    application = (
        Application.objects.select_for_update().select_related("challenge", "lead").get(pk=application.pk)
    )
    if not permissions.can_manage_application(by, application):
        raise PermissionDenied(_("Only the lead organization resubmits its application."))
    if application.status != AppStatus.WITHDRAWN:
        raise ValidationError(_("Only a withdrawn application can be resubmitted."))
    challenge = application.challenge
    _window_open(challenge, now)
    data = ApplicationInput(
        partners=list(application.partners.all()),
        members=application.members,
        technical_route=application.technical_route,
        budget_yuan=application.budget_yuan,
        commitments={c.indicator_id: c.value for c in application.commitments.all()},
        milestones=[],
    )
    _check_eligible(challenge, application.lead, data)
    Application.objects.filter(pk=application.pk).update(status=AppStatus.SUBMITTED, submitted_at=now)
    application.refresh_from_db()
    _record(
        challenge,
        Action.RESUBMITTED,
        by=by,
        now=now,
        application=application,
        from_status=AppStatus.WITHDRAWN,
        to_status=AppStatus.SUBMITTED,
    )
    return application


# --- expert review -----------------------------------------------------------------------------


def _hq_only(by, challenge):
    if not permissions.can_run_review(by, challenge):
        raise PermissionDenied(_("Only headquarters runs the review of a challenge."))


def submitted_applications(challenge: Challenge):
    return challenge.applications.filter(status=AppStatus.SUBMITTED)


@transaction.atomic
def start_review(challenge: Challenge, *, by, now=None) -> Challenge:
    """Once the window has closed, HQ starts the expert review of the submitted applications."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(by, challenge)
    if challenge.status == Status.PUBLISHED and now < challenge.closes_at:
        raise ValidationError(_("The review starts after the application window closes."))
    if challenge.status == Status.PUBLISHED and not submitted_applications(challenge).exists():
        raise ValidationError(_("No application was submitted; cancel the challenge or publish it again."))
    return _move(challenge, Status.REVIEWING, by=by, now=now, action=Action.REVIEW_STARTED)


def applicant_organization_ids(challenge: Challenge) -> set[int]:
    ids: set[int] = set()
    for application in submitted_applications(challenge).prefetch_related("partners"):
        ids |= application.organization_ids()
    return ids


def expert_conflicts(expert, challenge: Challenge, now=None) -> list[rules.Conflict]:
    return rules.conflicts_of(
        expert, challenge, applicant_organization_ids(challenge), now=_now(now), years=conflict_years()
    )


@transaction.atomic
def form_panel(challenge: Challenge, experts, *, by, now=None) -> list[PanelMember]:
    """HQ puts experts on the review panel. An expert with a conflict of interest is refused with the
    reason; the panel must reach the region's minimum size. Adding to an existing panel is allowed."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(by, challenge)
    if challenge.status != Status.REVIEWING:
        raise ValidationError(_("The panel is formed once the expert review has started."))
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
        raise ValidationError(_("This application is not under review."))
    expert = permissions.expert_profile(by)
    card = Scorecard.objects.select_for_update().filter(application=application, expert=expert).first()
    if card is not None and card.submitted_at is not None:
        raise ValidationError(_("You have already submitted this scorecard; it cannot be changed."))
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


@transaction.atomic
def decide(challenge: Challenge, *, by, now=None) -> list[Award]:
    """HQ decides: the top N of the ranking (N = 1, or the horse race's number of teams) are selected
    and the public notice (公示) starts for the region's number of days. Every panel expert must have
    submitted a scorecard for every application; the selected budgets must fit the challenge's."""
    from . import selectors

    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(by, challenge)
    if challenge.status != Status.REVIEWING:
        raise ValidationError(_("A decision is taken during the expert review."))
    panel = list(challenge.panel.all())
    if len(panel) < panel_min_experts():
        raise ValidationError(_("Form the panel first."))
    missing = selectors.missing_scorecards(challenge)
    if missing:
        raise ValidationError(
            _("Scorecards still missing: %(list)s.") % {"list": "; ".join(f"{e} → {a}" for e, a in missing)}
        )
    ranking = selectors.ranking(challenge)
    if not ranking:
        raise ValidationError(_("There is no application to decide on."))
    selected = ranking[: challenge.funded_teams]
    total = sum((row.application.budget_yuan for row in selected), Decimal(0))
    if total > challenge.budget_yuan:
        raise ValidationError(
            _("The selected teams ask for %(total)s yuan, more than the budget of %(budget)s yuan.")
            % {"total": f"{total:,.2f}", "budget": f"{challenge.budget_yuan:,.2f}"}
        )
    awards = []
    for row in selected:
        awards.append(
            Award.objects.create(
                challenge=challenge,
                application=row.application,
                rank=row.rank,
                score=row.score,
                amount_yuan=row.application.budget_yuan,
            )
        )
        Application.objects.filter(pk=row.application.pk).update(status=AppStatus.SELECTED)
    ends = now + timedelta(days=notice_days())
    _move(
        challenge,
        Status.NOTICE,
        by=by,
        now=now,
        action=Action.DECIDED,
        decided_at=now,
        notice_ends_at=ends,
        note=_("Public notice until %(at)s.") % {"at": _local(ends)},
        data={
            "ranking": [
                {"application": r.application.pk, "score": str(r.score), "rank": r.rank} for r in ranking
            ]
        },
    )
    return awards


@transaction.atomic
def raise_objection(challenge: Challenge, text: str, *, by, now=None) -> Objection:
    """Anyone signed in may object during the public notice."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_object(by, challenge):
        raise PermissionDenied(_("Objections are raised by signed-in users during the public notice."))
    if now >= challenge.notice_ends_at:
        raise ValidationError(_("The public notice has ended."))
    text = _clean_note(text, required=True, field="text")
    objection = Objection.objects.create(challenge=challenge, text=text, raised_by=by, raised_at=now)
    _record(challenge, Action.OBJECTION, by=by, now=now, note=text, data={"objection": objection.pk})
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, resolution: str, *, upheld: bool, by, now=None) -> Objection:
    now = _now(now)
    objection = Objection.objects.select_for_update().select_related("challenge").get(pk=objection.pk)
    _hq_only(by, objection.challenge)
    if objection.resolved_at is not None:
        raise ValidationError(_("This objection is already resolved."))
    resolution = _clean_note(resolution, required=True, field="resolution")
    Objection.objects.filter(pk=objection.pk).update(
        resolution=resolution, upheld=bool(upheld), resolved_by=by, resolved_at=now
    )
    objection.refresh_from_db()
    _record(
        objection.challenge,
        Action.OBJECTION_RESOLVED,
        by=by,
        now=now,
        note=resolution,
        data={"objection": objection.pk, "upheld": bool(upheld)},
    )
    return objection


@transaction.atomic
def reopen_decision(challenge: Challenge, reason: str, *, by, now=None) -> Challenge:
    """After an upheld objection: back to the review; the selection is undone (the events keep it)."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(by, challenge)
    reason = _clean_note(reason, required=True, field="reason")
    if challenge.status != Status.NOTICE:
        raise ValidationError(_("Only a decision in public notice can be reopened."))
    Application.objects.filter(challenge=challenge, status=AppStatus.SELECTED).update(
        status=AppStatus.SUBMITTED
    )
    challenge.awards.all().delete()
    return _move(
        challenge,
        Status.REVIEWING,
        by=by,
        now=now,
        action=Action.REOPENED,
        note=reason,
        decided_at=None,
        notice_ends_at=None,
    )


def _split(amount: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """Amount × share / 100 to the fen, the last tranche taking the rounding rest."""
    parts = [(amount * s / HUNDRED).quantize(FEN, rounding=ROUND_DOWN) for s in shares]
    if parts:
        parts[-1] += amount - sum(parts, Decimal(0))
    return parts


def _award_contract(challenge: Challenge, award: Award, by, now) -> None:
    application = award.application
    lead, publisher = application.lead, challenge.publisher
    parties = [
        {
            "role": ContractParty.Role.SELLER,
            "organization": lead,
            "name": lead.name,
            "credit_code": lead.credit_code,
            "division": lead.division,
        },
        {
            "role": ContractParty.Role.BUYER,
            "organization": publisher,
            "name": publisher.name,
            "credit_code": publisher.credit_code,
            "division": publisher.division,
        },
    ]
    chain_ids = set(challenge.chain_links.values_list("chain_id", flat=True))
    nodes = responsible_nodes(publisher.division, chain_ids)
    milestones = list(application.milestones.all())
    first_link = challenge.chain_links.select_related("chain").first()
    today = deal_services.local_date(now)
    contract = deal_services.create_contract(
        by=by,
        parties=parties,
        title=(_("Open challenge: %(title)s") % {"title": challenge.title})[:200],
        kind=ContractKind.DEVELOPMENT,
        sub_kind=SubKind.COMMISSIONED_DEVELOPMENT,
        amount_yuan=award.amount_yuan,
        payment_terms="\n".join(
            f"{m.position}. {m.title}: {m.share_percent:f} % ({m.due_on:%Y-%m-%d})" for m in milestones
        ),
        ip_clauses=challenge.ip_terms,
        term_start=today,
        term_end=max((m.due_on for m in milestones), default=today),
        chain=first_link.chain if first_link else None,
        sub_center=nodes[0] if nodes else None,
    )
    for milestone, amount in zip(
        milestones, _split(award.amount_yuan, [m.share_percent for m in milestones]), strict=True
    ):
        Milestone.objects.filter(pk=milestone.pk).update(amount_yuan=amount)
    Award.objects.filter(pk=award.pk).update(contract=contract, awarded_at=now)


@transaction.atomic
def award(challenge: Challenge, *, by, now=None) -> Challenge:
    """After the public notice, with every objection resolved and none upheld: the selected teams are
    awarded, each with a commissioned technical-development contract (publisher buys, lead sells)
    drafted through the deals services; the other applications are not awarded."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(by, challenge)
    if challenge.status != Status.NOTICE:
        raise ValidationError(_("Only a decision in public notice can be awarded."))
    if now < challenge.notice_ends_at:
        raise ValidationError(
            _("The public notice runs until %(at)s; award after it.")
            % {"at": _local(challenge.notice_ends_at)}
        )
    if challenge.objections.filter(resolved_at__isnull=True).exists():
        raise ValidationError(_("Resolve every objection before the award."))
    if challenge.objections.filter(upheld=True).exists():
        raise ValidationError(_("An objection was upheld: reopen the decision instead."))
    for item in challenge.awards.select_related("application__lead", "challenge__publisher"):
        _award_contract(challenge, item, by, now)
        Application.objects.filter(pk=item.application_id).update(status=AppStatus.AWARDED)
    submitted_applications(challenge).update(status=AppStatus.NOT_AWARDED)
    challenge = _move(challenge, Status.AWARDED, by=by, now=now, action=Action.AWARDED, awarded_at=now)
    url = reverse("challenges:detail", args=[challenge.pk])
    winners = User.objects.filter(
        role=User.Role.MEMBER, organization__in=challenge.awards.values("application__lead"), is_active=True
    )
    _notify(winners, _("Your team was awarded “%(title)s”.") % {"title": challenge.title}, url)
    return challenge


# --- after the award ---------------------------------------------------------------------------


def _active_award(milestone: Milestone) -> Award:
    award = Award.objects.filter(application_id=milestone.application_id).first()
    if award is None or award.awarded_at is None:
        raise ValidationError(_("This team has not been awarded."))
    if award.dropped_at is not None:
        raise ValidationError(_("This team was dropped at the down-select."))
    return award


def validate_evidence_file(upload) -> None:
    name = PurePath(getattr(upload, "name", "") or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "file": _("Upload a PDF, image, Office, ZIP, CSV or text file (not “%(name)s”).")
                % {"name": name}
            }
        )
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_EVIDENCE_BYTES // 2**20}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    signature = EVIDENCE_TYPES[suffix]
    if signature is not None:
        upload.seek(0)
        head = upload.read(len(signature))
        upload.seek(0)
        if head != signature:
            raise ValidationError(
                {"file": _("The file's content does not match its type %(type)s.") % {"type": suffix}}
            )


@transaction.atomic
def upload_evidence(milestone: Milestone, upload, *, by, description: str = "", now=None) -> Evidence:
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_upload_evidence(by, milestone):
        raise PermissionDenied(_("Only the awarded lead organization uploads evidence."))
    _active_award(milestone)
    if milestone.status not in (
        Milestone.Status.PLANNED,
        Milestone.Status.EVIDENCE,
        Milestone.Status.REFUSED,
    ):
        raise ValidationError(_("This milestone is %(status)s.") % {"status": milestone.get_status_display()})
    validate_evidence_file(upload)
    evidence = Evidence.objects.create(
        milestone=milestone,
        file=upload,
        description=(description or "").strip()[:200],
        uploaded_by=by,
        uploaded_at=now,
    )
    source = milestone.status
    # New evidence after a refusal opens a new acceptance round: the verdicts start again.
    next_round = milestone.acceptance_round + (1 if source == Milestone.Status.REFUSED else 0)
    Milestone.objects.filter(pk=milestone.pk).update(
        status=Milestone.Status.EVIDENCE, acceptance_round=next_round
    )
    _record(
        milestone.application.challenge,
        Action.EVIDENCE,
        by=by,
        now=now,
        application=milestone.application,
        from_status=source,
        to_status=Milestone.Status.EVIDENCE,
        note=milestone.title,
        data={"milestone": milestone.pk, "evidence": evidence.pk},
    )
    return evidence


def acceptance_experts_needed(challenge: Challenge) -> int:
    """Verdicts a milestone needs: the region's minimum, or every panel expert when the panel is smaller."""
    return max(1, min(acceptance_min_experts(), challenge.panel.count()))


def round_verdicts(milestone: Milestone):
    """The verdicts of the milestone's current acceptance round by experts still on the panel."""
    panel = milestone.application.challenge.panel.values("expert_id")
    return milestone.acceptances.filter(round=milestone.acceptance_round, expert_id__in=panel)


@transaction.atomic
def accept_milestone(milestone: Milestone, *, by, results: dict, note: str = "", now=None) -> Acceptance:
    """验收: a panel expert records their verdict — for every indicator the milestone verifies, met or
    not met (with a note); a verdict with an indicator not met needs a reason. Each verdict is written
    once, with its event. When `acceptance_experts_needed` verdicts of the round are in, each indicator
    is met by majority (more met than not met); all met: accepted, its tranche may be released; else
    not accepted (the team may upload new evidence, which opens a new round)."""
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_accept_milestone(by, milestone):
        raise PermissionDenied(_("Only experts on the challenge's panel accept milestones."))
    _active_award(milestone)
    if milestone.status != Milestone.Status.EVIDENCE:
        raise ValidationError(_("Acceptance needs evidence uploaded for this milestone."))
    expert = permissions.expert_profile(by)
    if milestone.acceptances.filter(expert=expert, round=milestone.acceptance_round).exists():
        raise ValidationError(_("You have already recorded your verdict on this milestone."))
    indicators = list(milestone.indicators.all())
    verdicts, errors = [], []
    for indicator in indicators:
        verdict = (results or {}).get(indicator.pk, (results or {}).get(str(indicator.pk)))
        if verdict is None or verdict.get("met") is None:
            errors.append(_("State whether “%(name)s” is met.") % {"name": indicator.name})
            continue
        verdicts.append(
            {
                "indicator": indicator.pk,
                "name": indicator.name,
                "met": bool(verdict["met"]),
                "note": (verdict.get("note") or "").strip()[:500],
            }
        )
    if errors:
        raise ValidationError({"results": errors})
    note = _clean_note(note, required=not indicators, field="note")
    all_met = all(v["met"] for v in verdicts)
    if not all_met and not note:
        raise ValidationError({"note": _("Say why the milestone is not accepted.")})
    challenge = milestone.application.challenge
    acceptance = Acceptance.objects.create(
        milestone=milestone,
        expert=expert,
        round=milestone.acceptance_round,
        results=verdicts,
        accepted=all_met,
        note=note,
        decided_at=now,
    )
    _record(
        challenge,
        Action.VERDICT,
        by=by,
        now=now,
        application=milestone.application,
        note=note,
        data={
            "milestone": milestone.pk,
            "round": milestone.acceptance_round,
            "expert": expert.pk,
            "accepted": all_met,
            "results": verdicts,
        },
    )
    recorded = list(round_verdicts(milestone))
    needed = acceptance_experts_needed(challenge)
    if len(recorded) < needed:
        return acceptance
    tally = rules.indicator_majority(indicators, [a.results for a in recorded])
    accepted = all(row["met"] for row in tally.values())
    status = Milestone.Status.ACCEPTED if accepted else Milestone.Status.REFUSED
    Milestone.objects.filter(pk=milestone.pk).update(status=status)
    _record(
        challenge,
        Action.ACCEPTED if accepted else Action.REFUSED,
        by=by,
        now=now,
        application=milestone.application,
        from_status=Milestone.Status.EVIDENCE,
        to_status=status,
        note="; ".join(a.note for a in recorded if a.note),
        data={
            "milestone": milestone.pk,
            "round": milestone.acceptance_round,
            "experts": [a.expert_id for a in recorded],
            "indicators": {str(pk): row for pk, row in tally.items()},
        },
    )
    return acceptance


@transaction.atomic
def release_tranche(milestone: Milestone, *, by, now=None) -> Tranche:
    """Release a milestone's payment. Refused unless the milestone was accepted; released once."""
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_release_tranche(by, milestone):
        raise PermissionDenied(_("Only headquarters or the publisher releases payments."))
    _active_award(milestone)
    if milestone.status != Milestone.Status.ACCEPTED:
        raise ValidationError(
            _("A tranche is released only on an accepted milestone; “%(title)s” is %(status)s.")
            % {"title": milestone.title, "status": milestone.get_status_display()}
        )
    if Tranche.objects.filter(milestone=milestone).exists():
        raise ValidationError(_("This tranche was already released."))
    tranche = Tranche.objects.create(
        milestone=milestone, amount_yuan=milestone.amount_yuan, released_at=now, released_by=by
    )
    _record(
        milestone.application.challenge,
        Action.RELEASED,
        by=by,
        now=now,
        application=milestone.application,
        note=milestone.title,
        data={"milestone": milestone.pk, "amount_yuan": str(tranche.amount_yuan)},
    )
    return tranche


@transaction.atomic
def drop_team(award_row: Award, *, milestone: Milestone, reason: str, by, now=None) -> Award:
    """Horse race down-select (赛马): at a milestone HQ drops a team, with the reason; its unpaid
    milestones are cancelled. At least one team stays in the race."""
    now = _now(now)
    award_row = (
        Award.objects.select_for_update().select_related("challenge", "application").get(pk=award_row.pk)
    )
    challenge = award_row.challenge
    _hq_only(by, challenge)
    reason = _clean_note(reason, required=True, field="reason")
    if challenge.mode != Challenge.Mode.HORSE_RACE or challenge.status != Status.AWARDED:
        raise ValidationError(_("Teams are dropped only in an awarded horse race."))
    if award_row.dropped_at is not None:
        raise ValidationError(_("This team was already dropped."))
    if milestone.application.challenge_id != challenge.pk:
        raise ValidationError({"milestone": _("Choose a milestone of this challenge.")})
    if not challenge.awards.filter(dropped_at__isnull=True).exclude(pk=award_row.pk).exists():
        raise ValidationError(_("The last team in the race cannot be dropped."))
    Award.objects.filter(pk=award_row.pk).update(
        dropped_at=now, drop_reason=reason, dropped_at_milestone=milestone
    )
    Application.objects.filter(pk=award_row.application_id).update(status=AppStatus.DROPPED)
    award_row.application.milestones.filter(tranche__isnull=True).exclude(
        status=Milestone.Status.ACCEPTED
    ).update(status=Milestone.Status.CANCELLED)
    award_row.refresh_from_db()
    _record(
        challenge,
        Action.DROPPED,
        by=by,
        now=now,
        application=award_row.application,
        from_status=AppStatus.AWARDED,
        to_status=AppStatus.DROPPED,
        note=reason,
        data={"milestone": milestone.pk},
    )
    return award_row
