"""Applications (揭榜): a team applies within the window with its route, budget, committed indicator
values and milestones; it may withdraw and resubmit while the window is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.network.models import Organization
from mengkeju.network.permissions import require_verified

from .. import permissions, rules, selectors
from ..models import Application, Challenge, Commitment, Indicator, Milestone
from ._common import FEN, HUNDRED, Action, AppStatus, Status, _decimal, _local, _lock, _now, _record


def _window_open(challenge: Challenge, now: datetime) -> None:
    if challenge.status != Status.PUBLISHED:
        raise ValidationError(_("This challenge is not open for applications."), code="invalid_state")
    if now < challenge.opens_at:
        raise ValidationError(
            _("Applications open on %(at)s.") % {"at": _local(challenge.opens_at)}, code="invalid"
        )
    if now >= challenge.closes_at:
        raise ValidationError(
            _("The application window closed on %(at)s; late applications are refused.")
            % {"at": _local(challenge.closes_at)},
            code="invalid_state",
        )


def _clean_milestones(milestones: list[dict], indicators: dict[int, Indicator]) -> list[dict]:
    if not milestones:
        raise ValidationError(
            {"milestones": ValidationError(_("Plan at least one milestone."), code="out_of_range")}
        )
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
        raise ValidationError(
            {"members": ValidationError(_("Name at least one team member."), code="required")}
        )
    return cleaned


@dataclass
class ApplicationInput:
    partners: list[Organization]
    members: list[dict]
    technical_route: str
    budget_yuan: Decimal
    commitments: dict[int, Decimal]
    milestones: list[dict]
    cofunding_yuan: Decimal = Decimal(0)


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
    cofunding = Decimal(0)
    if raw.get("cofunding_yuan") not in (None, ""):
        try:
            cofunding = _decimal(
                raw.get("cofunding_yuan"), "cofunding_yuan", _("Enter the enterprise co-funding in yuan.")
            ).quantize(FEN)
            if cofunding < 0:
                errors["cofunding_yuan"] = [_("The co-funding cannot be negative.")]
        except ValidationError as exc:
            errors.update(exc.message_dict)
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
    return ApplicationInput(
        partners, raw["members"], route, budget, commitments, raw["milestones"], cofunding_yuan=cofunding
    )


def _check_eligible(challenge, lead, data: ApplicationInput) -> None:
    """The challenge's own eligibility, then the region's consortium rules: who may lead, and the
    enterprise co-funding against the public funding requested."""
    consortium = selectors.consortium_rules()
    failures = rules.lead_failures(lead, consortium) + rules.eligibility_failures(
        challenge, [lead, *data.partners], data.commitments, challenge.indicators.all()
    )
    errors = {}
    if failures:
        errors["eligibility"] = failures
    short = rules.cofunding_failure(data.cofunding_yuan, data.budget_yuan, consortium)
    if short:
        errors["cofunding_yuan"] = [ValidationError(short, code="out_of_range")]
    if errors:
        raise ValidationError(errors)


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
    require_verified(lead)
    existing = Application.objects.filter(challenge=challenge, lead=lead).first()
    if existing is not None and existing.status != AppStatus.WITHDRAWN:
        raise ValidationError(
            _("Your organization has already applied; withdraw that application to change it."),
            code="duplicate",
        )
    data = _clean_application(challenge, lead, dict(raw))
    _check_eligible(challenge, lead, data)
    fields = {
        "members": data.members,
        "technical_route": data.technical_route,
        "budget_yuan": data.budget_yuan,
        "cofunding_yuan": data.cofunding_yuan,
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
        raise ValidationError(_("Only a submitted application can be withdrawn."), code="invalid_state")
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
        raise ValidationError(_("Only a withdrawn application can be resubmitted."), code="invalid")
    challenge = application.challenge
    _window_open(challenge, now)
    data = ApplicationInput(
        partners=list(application.partners.all()),
        members=application.members,
        technical_route=application.technical_route,
        budget_yuan=application.budget_yuan,
        cofunding_yuan=application.cofunding_yuan,
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
