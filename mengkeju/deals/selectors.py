"""Read queries of deals, contracts and registrations. `visible_*` mirror permissions.can_view_*."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import models
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Demand
from mengkeju.catalog.models import Status as ListingStatus
from mengkeju.core import clock
from mengkeju.core.roles import role_of
from mengkeju.network.models import Division, Organization, User
from mengkeju.network.selectors import service_scope

from . import services
from .models import (
    FINAL_STAGES,
    RESPONSIBLE_NODE_KINDS,
    SIGNED_OR_LATER,
    Deal,
    DealEvent,
    Registration,
    TechnicalContract,
)
from .permissions import NODE_ROLES
from .registry import region_calendar
from .working_days import WorkingCalendar, overdue_before, working_days_left

Role = User.Role
Stage = Deal.Stage


def visible_deals(user) -> QuerySet[Deal]:
    role = role_of(user)
    qs = Deal.objects.all()
    if role is None:
        return qs.none()
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return qs
    q = Q(broker=user)
    if role in NODE_ROLES and user.organization_id:
        q |= Q(sub_center_id=user.organization_id)
    if role == Role.MEMBER and user.organization_id:
        q |= Q(buyer_id=user.organization_id) | Q(seller_id=user.organization_id)
    return qs.filter(q)


def visible_contracts(user) -> QuerySet[TechnicalContract]:
    role = role_of(user)
    qs = TechnicalContract.objects.all()
    if role is None:
        return qs.none()
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return qs
    if role == Role.ANALYST:  # the government reads registered contracts, nothing in the making
        return registered_contracts()
    q = Q(created_by=user) | Q(deal__broker=user)
    if role in NODE_ROLES and user.organization_id:
        q |= Q(sub_center_id=user.organization_id)
    if role == Role.MEMBER and user.organization_id:
        q |= Q(
            pk__in=TechnicalContract.objects.filter(parties__organization_id=user.organization_id).values(
                "pk"
            )
        )
    return qs.filter(q)


def registered_contracts() -> QuerySet[TechnicalContract]:
    """Contracts whose current version is registered: what the statistics count."""
    return TechnicalContract.objects.filter(
        Exists(registered(Registration.objects.filter(contract=OuterRef("pk"))))
    )


# --- the contract list filtered as the statistics count (a statistics figure links here) ------------

STATISTICS_FILTERS = ("year", "quarter", "kind", "flow", "seller", "buyer", "chain", "sub_center", "node")
DATE_BASES = ("registered_on", "signed_on")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def _prefecture_ids(code: str) -> list[int]:
    """The divisions counted under a prefecture-level division (盟市) in the statistics: itself and its
    counties; `outside` — every division outside the region."""
    divisions = {d.pk: d for d in Division.objects.all()}

    def prefecture(d: Division) -> Division:
        while d.level == Division.Level.COUNTY and d.parent_id in divisions:
            d = divisions[d.parent_id]
        return d

    if code == "outside":
        return [pk for pk, d in divisions.items() if prefecture(d).external]
    return [pk for pk, d in divisions.items() if prefecture(d).code == code and not prefecture(d).external]


def statistics_filter(params) -> tuple[QuerySet[Registration], dict[str, str]] | None:
    """The registrations that a statistics figure counts, from the contract list's query parameters
    (the same ones `insights` puts on each figure's link), with the filters understood; None when the
    query names no statistics filter. Unknown values select nothing rather than everything."""
    given = {name: params.get(name, "") for name in STATISTICS_FILTERS if params.get(name, "")}
    kinds = [k for k in params.getlist("kind") if k] if hasattr(params, "getlist") else []
    if not given and params.get("registered") != "1":
        return None
    basis = params.get("basis") if params.get("basis") in DATE_BASES else "registered_on"
    qs = registered()
    nothing = qs.none()
    if "year" in given:
        if not given["year"].isdigit():
            return nothing, given
        year = int(given["year"])
        qs = qs.filter(**{f"{basis}__range": (date(year, 1, 1), date(year, 12, 31))})
    if "quarter" in given:
        match = QUARTER.match(given["quarter"])
        if not match:
            return nothing, given
        year, quarter = int(match[1]), int(match[2])
        qs = qs.filter(**{f"{basis}__year": year, f"{basis}__month__range": (3 * quarter - 2, 3 * quarter)})
    if kinds:
        qs = qs.filter(kind__in=kinds)
        given["kind"] = ",".join(kinds)
    if "flow" in given:
        qs = qs.filter(flow=given["flow"])
    for side in ("seller", "buyer"):
        if side in given:
            code = given[side]
            field = f"{side}_division"
            qs = qs.filter(
                **{f"{field}__isnull": True} if code == "unknown" else {f"{field}__in": _prefecture_ids(code)}
            )
    for name in ("chain", "sub_center"):
        if name in given:
            value = given[name]
            if value == "none":
                qs = qs.filter(**{f"{name}__isnull": True})
            elif value.isdigit():
                qs = qs.filter(**{f"{name}_id": int(value)})
            else:
                return nothing, given
    if "node" in given:
        qs = qs.filter(sub_center__code=given["node"])
    return qs, given


def visible_registrations(user) -> QuerySet[Registration]:
    return Registration.objects.filter(contract__in=visible_contracts(user).values("pk"))


def with_deal_related(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("demand", "achievement", "buyer", "seller", "sub_center", "broker")


def with_contract_related(qs: QuerySet[TechnicalContract]) -> QuerySet[TechnicalContract]:
    return qs.select_related("deal", "sub_center", "chain", "created_by").prefetch_related(
        "parties__division", "parties__organization"
    )


def registration_queue(user) -> QuerySet[Registration]:
    """Pending applications this user may decide: everything for HQ, its own node's for sub-center staff."""
    role = role_of(user)
    qs = Registration.objects.filter(status=Registration.Status.SUBMITTED).select_related(
        "contract", "contract__sub_center", "submitted_by"
    )
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return qs.order_by("due_on", "submitted_at", "id")
    if role == Role.SUBCENTER_STAFF and user.organization_id:
        return qs.filter(contract__sub_center_id=user.organization_id).order_by(
            "due_on", "submitted_at", "id"
        )
    return qs.none()


@dataclass(frozen=True)
class ReviewClock:
    """Where a pending application stands in the review window."""

    due_on: date | None
    days_left: int | None  # working days; negative when overdue
    is_overdue: bool
    needs_expert_review: bool
    is_expert_reviewed: bool


def review_clock(registration: Registration, today: date | None = None, calendar=None) -> ReviewClock:
    today = today or clock.local_date()
    due = registration.due_on
    left = working_days_left(today, due, calendar or region_calendar()) if due else None
    return ReviewClock(
        due_on=due,
        days_left=left,
        is_overdue=bool(due and today > due),
        needs_expert_review=registration.needs_expert_review,
        is_expert_reviewed=registration.expert_reviewed_at is not None,
    )


class Verification(models.TextChoices):
    """What the public verification page says about a certificate, and nothing more."""

    VALID = "valid", _("valid")
    AMENDED = "amended", _("amended: superseded by a later registration")
    CANCELLED = "cancelled", _("cancelled")


def verify_certificate(number: str, code: str) -> str | None:
    """valid / amended / cancelled for a registration number with its verification code; None when the
    pair does not match a certificate (a wrong code and an unknown number look the same)."""
    number = (number or "").strip()
    code = "".join((code or "").split()).replace("-", "").upper()
    if not number or not code or len(number) > 32 or len(code) > 16:
        return None
    registration = Registration.objects.filter(number=number).exclude(verification_code="").first()
    if registration is None or not constant_time_compare(registration.verification_code, code):
        return None
    if registration.status == Registration.Status.REGISTERED and registration.is_current:
        return Verification.VALID
    if registration.status == Registration.Status.AMENDED:
        return Verification.AMENDED
    if registration.status == Registration.Status.CANCELLED:
        return Verification.CANCELLED
    return None


def registered(qs: QuerySet[Registration] | None = None) -> QuerySet[Registration]:
    """The registrations that count in statistics: registered and current."""
    qs = Registration.objects.all() if qs is None else qs
    return qs.filter(status=Registration.Status.REGISTERED, is_current=True)


# --- the sub-center board ----------------------------------------------------------------------


def board_nodes(user) -> QuerySet[Organization]:
    """The nodes whose board this user may look at."""
    role = role_of(user)
    nodes = Organization.objects.filter(kind__in=RESPONSIBLE_NODE_KINDS).order_by("kind", "code")
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return nodes
    if role in NODE_ROLES and user.organization_id:
        return nodes.filter(pk=user.organization_id)
    return nodes.none()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.region_timezone())


@dataclass(frozen=True)
class FollowUp:
    working_days: int
    contact_before: date  # a last contact earlier than this day is overdue


def follow_up(today: date | None = None, calendar: WorkingCalendar | None = None) -> FollowUp:
    n = services.follow_up_working_days()
    return FollowUp(n, overdue_before(today or clock.local_date(), n, calendar or region_calendar()))


def deals_by_stage(deals: QuerySet[Deal], per_stage: int = 50) -> list[tuple[str, str, list[Deal], int]]:
    """Kanban columns: (stage, label, deals, total)."""
    counts = dict(deals.values_list("stage").annotate(n=Count("id")).order_by())
    columns = []
    for stage in Stage:
        # inquiry_threads: the 我要对接 threads a deal was made from (the FK lives on inquiries.Thread).
        items = list(
            with_deal_related(deals.filter(stage=stage))
            .prefetch_related("inquiry_threads")
            .order_by("-updated_at")[:per_stage]
        )
        columns.append((stage.value, stage.label, items, counts.get(stage.value, 0)))
    return columns


def overdue_deals(deals: QuerySet[Deal], due: FollowUp) -> QuerySet[Deal]:
    """Open deals whose last contact (or opening, if never contacted) is older than N working days."""
    return (
        with_deal_related(deals.exclude(stage__in=FINAL_STAGES))
        .annotate(last_touch=Coalesce("last_contacted_at", "created_at"))
        .filter(last_touch__lt=_start_of(due.contact_before))
        .order_by("last_touch")
    )


def workspace_deals(user, due: FollowUp, limit: int = 10) -> list[Deal]:
    """The open deals a broker or node staff works on (their own node's, or those they broker), the
    overdue follow-ups first (each flagged `is_overdue`), then the most recently touched."""
    if role_of(user) not in NODE_ROLES | {Role.PLATFORM_ADMIN}:
        return []
    mine = Q(broker=user)
    if user.organization_id:
        mine |= Q(sub_center_id=user.organization_id)
    deals = list(
        with_deal_related(visible_deals(user).filter(mine).exclude(stage__in=FINAL_STAGES))
        .annotate(last_touch=Coalesce("last_contacted_at", "created_at"))
        .order_by("-last_touch")[:200]
    )
    cutoff = _start_of(due.contact_before)
    for deal in deals:
        deal.is_overdue = deal.last_touch < cutoff
    # Overdue first, the longest-waiting on top; then the rest, the most recently touched first.
    deals.sort(
        key=lambda d: (0, d.last_touch.timestamp()) if d.is_overdue else (1, -d.last_touch.timestamp())
    )
    return deals[:limit]


def overdue_demands(node: Organization | None, due: FollowUp) -> QuerySet[Demand]:
    """Published demands routed to the node (inside its service scope) that nobody has taken up:
    published more than N working days ago and no deal opened for them."""
    demands = Demand.objects.filter(
        status=ListingStatus.PUBLISHED, published_at__lt=_start_of(due.contact_before)
    )
    if node is not None:
        scoped = Demand.objects.filter(service_scope(node).q(), status=ListingStatus.PUBLISHED).values("pk")
        demands = demands.filter(pk__in=scoped)
    taken = Deal.objects.filter(demand=OuterRef("pk"))
    return demands.filter(~Exists(taken)).select_related("owner", "division").order_by("-published_at")


def conversion(deals: QuerySet[Deal]) -> list[dict]:
    """Per sub-center: deals opened, deals that reached a signed contract, deals whose contract was registered."""
    signed = DealEvent.objects.filter(deal=OuterRef("pk"), to_stage__in=list(SIGNED_OR_LATER))
    registered_event = DealEvent.objects.filter(deal=OuterRef("pk"), to_stage=Stage.REGISTERED)
    rows = (
        deals.annotate(reached_signed=Exists(signed), reached_registered=Exists(registered_event))
        .values("sub_center_id", "sub_center__name")
        .annotate(
            opened=Count("id"),
            signed=Count("id", filter=Q(reached_signed=True)),
            registered=Count("id", filter=Q(reached_registered=True)),
        )
        .order_by("sub_center__name")
    )
    result = []
    for row in rows:
        opened = row["opened"]
        result.append(
            {
                "sub_center_id": row["sub_center_id"],
                "sub_center": row["sub_center__name"],
                "opened": opened,
                "signed": row["signed"],
                "registered": row["registered"],
                "signed_rate": row["signed"] / opened if opened else 0.0,
                "registered_rate": row["registered"] / opened if opened else 0.0,
            }
        )
    return result


# --- a technology broker's record --------------------------------------------------------------


@dataclass(frozen=True)
class BrokerRecord:
    """What a broker has to show for their work: public figures only (counts and sums, no parties)."""

    deals: int
    deals_signed: int
    deals_open: int
    registered_contracts: int
    registered_turnover_yuan: Decimal
    registered_transaction_yuan: Decimal


def broker_record(broker: User) -> BrokerRecord:
    """The deals credited to this broker (Deal.broker), how many reached a signed contract, how many are
    still open, and the registered contracts of those deals with their amounts (registered and current
    registrations: what the statistics count)."""
    deals = Deal.objects.filter(broker=broker)
    counts = deals.aggregate(
        total=Count("pk"),
        signed=Count("pk", filter=Q(stage__in=SIGNED_OR_LATER)),
        open=Count("pk", filter=~Q(stage__in=FINAL_STAGES)),
    )
    sums = (
        registered()
        .filter(contract__deal__broker=broker)
        .aggregate(
            n=Count("pk"),
            amount=Coalesce(Sum("amount_yuan"), Decimal(0), output_field=DecimalField()),
            transaction=Coalesce(Sum("transaction_amount_yuan"), Decimal(0), output_field=DecimalField()),
        )
    )
    return BrokerRecord(
        deals=counts["total"],
        deals_signed=counts["signed"],
        deals_open=counts["open"],
        registered_contracts=sums["n"],
        registered_turnover_yuan=sums["amount"],
        registered_transaction_yuan=sums["transaction"],
    )
