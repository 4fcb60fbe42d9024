"""The decision and the award: headquarters selects the top of the ranking, the public notice (公示)
runs and objections are resolved, then the selected teams are awarded, each with its contract.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.core import clock
from mengkeju.deals import services as deal_services
from mengkeju.deals.models import ContractKind, ContractParty, SubKind
from mengkeju.network.models import User
from mengkeju.network.selectors import region_parameter, responsible_nodes

from .. import permissions, selectors
from ..models import Application, Award, Challenge, Milestone, Objection
from ..selectors import panel_min_experts, submitted_applications
from ._common import (
    FEN,
    HUNDRED,
    Action,
    AppStatus,
    Status,
    _clean_note,
    _hq_only,
    _local,
    _lock,
    _members,
    _move,
    _notify,
    _now,
    _record,
)


def notice_days() -> int:
    return int(region_parameter("challenge_notice_days", 5))


@transaction.atomic
def decide(challenge: Challenge, *, by, now=None) -> list[Award]:
    """HQ decides: the top N of the ranking (N = 1, or the horse race's number of teams) are selected
    and the public notice (公示) starts for the region's number of days. Every panel expert must have
    submitted a scorecard for every application; the selected budgets must fit the challenge's."""
    now = _now(now)
    challenge = _lock(challenge)
    _hq_only(challenge, by=by)
    if challenge.status != Status.REVIEWING:
        raise ValidationError(_("A decision is taken during the expert review."), code="invalid")
    panel = list(challenge.panel.all())
    if len(panel) < panel_min_experts():
        raise ValidationError(_("Form the panel first."), code="invalid")
    missing = selectors.missing_scorecards(challenge)
    if missing:
        raise ValidationError(
            _("Scorecards still missing: %(list)s.") % {"list": "; ".join(f"{e} → {a}" for e, a in missing)},
            code="required",
        )
    ranking = selectors.ranking(challenge)
    if not ranking:
        raise ValidationError(_("There is no application to decide on."), code="invalid")
    selected = ranking[: challenge.funded_teams]
    total = sum((row.application.budget_yuan for row in selected), Decimal(0))
    if total > challenge.budget_yuan:
        raise ValidationError(
            _("The selected teams ask for %(total)s yuan, more than the budget of %(budget)s yuan.")
            % {"total": f"{total:,.2f}", "budget": f"{challenge.budget_yuan:,.2f}"},
            code="too_long",
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
        raise ValidationError(_("The public notice has ended."), code="invalid_state")
    text = _clean_note(text, required=True, field="text")
    objection = Objection.objects.create(challenge=challenge, text=text, raised_by=by, raised_at=now)
    _record(challenge, Action.OBJECTION, by=by, now=now, note=text, data={"objection": objection.pk})
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, resolution: str, *, upheld: bool, by, now=None) -> Objection:
    now = _now(now)
    objection = Objection.objects.select_for_update().select_related("challenge").get(pk=objection.pk)
    _hq_only(objection.challenge, by=by)
    if objection.resolved_at is not None:
        raise ValidationError(_("This objection is already resolved."), code="duplicate")
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
    _hq_only(challenge, by=by)
    reason = _clean_note(reason, required=True, field="reason")
    if challenge.status != Status.NOTICE:
        raise ValidationError(_("Only a decision in public notice can be reopened."), code="invalid")
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


def _award_contract(challenge: Challenge, award: Award, *, by, now) -> None:
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
    today = clock.local_date(now)
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
    _hq_only(challenge, by=by)
    if challenge.status != Status.NOTICE:
        raise ValidationError(_("Only a decision in public notice can be awarded."), code="invalid")
    if now < challenge.notice_ends_at:
        raise ValidationError(
            _("The public notice runs until %(at)s; award after it.")
            % {"at": _local(challenge.notice_ends_at)},
            code="out_of_range",
        )
    if challenge.objections.filter(resolved_at__isnull=True).exists():
        raise ValidationError(_("Resolve every objection before the award."), code="out_of_range")
    if challenge.objections.filter(upheld=True).exists():
        raise ValidationError(_("An objection was upheld: reopen the decision instead."), code="invalid")
    for item in challenge.awards.select_related("application__lead", "challenge__publisher"):
        _award_contract(challenge, item, by=by, now=now)
        Application.objects.filter(pk=item.application_id).update(status=AppStatus.AWARDED)
    not_awarded = list(submitted_applications(challenge).prefetch_related("partners"))
    submitted_applications(challenge).update(status=AppStatus.NOT_AWARDED)
    challenge = _move(challenge, Status.AWARDED, by=by, now=now, action=Action.AWARDED, awarded_at=now)
    url = reverse("challenges:detail", args=[challenge.pk])
    winners = User.objects.filter(
        role=User.Role.MEMBER, organization__in=challenge.awards.values("application__lead"), is_active=True
    )
    _notify(winners, _("Your team was awarded “%(title)s”.") % {"title": challenge.title}, url)
    others = {pk for application in not_awarded for pk in application.organization_ids()}
    _notify(
        [u for u in _members(others) if u not in winners],
        _("“%(title)s” was awarded to other teams; your application was not awarded.")
        % {"title": challenge.title},
        url,
    )
    _notify(
        _members([challenge.publisher_id]),
        _("“%(title)s” was awarded to %(count)d teams.")
        % {"title": challenge.title, "count": challenge.awards.count()},
        url,
    )
    return challenge
