"""Drafting and publishing a challenge: the publisher drafts, edits and submits it; headquarters
publishes or returns it; either may cancel it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.network.models import Organization
from mengkeju.network.permissions import require_verified
from mengkeju.network.selectors import region_parameter

from .. import permissions, rules
from ..models import Challenge, Indicator
from ._common import FEN, Action, Status, _clean_note, _decimal, _lock, _move, _now, _record

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


WINDOW_YEARS = (2000, 2100)  # an application window outside these years is a typing error


def default_rubric() -> list[dict]:
    return list(region_parameter("challenge_default_rubric", None) or DEFAULT_RUBRIC)


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
    elif opens_at.year < WINDOW_YEARS[0] or closes_at.year > WINDOW_YEARS[1]:
        # Beyond this the dates are typing errors, and before 1901 Asia/Shanghai had no standard offset
        # (local mean time +08:05:43), which no client reads as a date-time.
        fail(
            "closes_at",
            _("The window must lie between the years %(first)s and %(last)s.")
            % {"first": WINDOW_YEARS[0], "last": WINDOW_YEARS[1]},
        )
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
        raise ValidationError(
            {
                "indicators": ValidationError(
                    _("State at least one quantified technical indicator."), code="required"
                )
            }
        )
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
            _("Unknown challenge fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, code="unknown"
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
        raise ValidationError(
            {"publisher": ValidationError(_("Choose the publishing organization."), code="required")}
        )
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
    require_verified(challenge.publisher)
    if not challenge.indicators.exists():
        raise ValidationError(
            {
                "indicators": ValidationError(
                    _("State at least one quantified technical indicator."), code="required"
                )
            }
        )
    if challenge.closes_at <= now:
        raise ValidationError(
            {
                "closes_at": ValidationError(
                    _("The application window has already closed; change it first."), code="invalid_state"
                )
            }
        )
    return _move(challenge, Status.IN_REVIEW, by=by, now=now, action=Action.SUBMITTED)


@transaction.atomic
def publish_challenge(challenge: Challenge, *, by, now=None) -> Challenge:
    """HQ publishes a challenge it has reviewed; it appears in the public list."""
    now = _now(now)
    challenge = _lock(challenge)
    if not permissions.can_review_challenge(by, challenge):
        raise PermissionDenied(_("Only headquarters publishes challenges awaiting review."))
    require_verified(challenge.publisher)
    if challenge.closes_at <= now:
        raise ValidationError(
            {
                "closes_at": ValidationError(
                    _("The application window has already closed; return it instead."), code="invalid_state"
                )
            }
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
