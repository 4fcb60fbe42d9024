"""What a publisher sees of their listings: figures, deals with their stages, contracts, a timeline.

`summaries()` returns one `ListingProgress` per listing; its `figures` is an ordered dict the
templates render as they find it, so another app's figure is one more key (the inquiries count:
add `figures["inquiries"] = Figure(_("Inquiries"), n)` in `_figures`). `timeline()` likewise merges
entries from several sources into one list sorted by time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.core import clock
from mengkeju.deals import permissions as deal_permissions
from mengkeju.deals.models import Deal, DealEvent, Registration, RegistrationEvent, TechnicalContract
from mengkeju.inquiries.selectors import inquiry_counts, my_threads

from .models import ListingDailyCount, ListingKind
from .permissions import has_own_listings

MODELS = {ListingKind.ACHIEVEMENT: Achievement, ListingKind.DEMAND: Demand}
DEAL_FIELD = {ListingKind.ACHIEVEMENT: "achievement", ListingKind.DEMAND: "demand"}
RECENT_DAYS = 30


@dataclass(frozen=True)
class Figure:
    label: str
    value: int


@dataclass
class DealLine:
    deal: Deal
    counterpart: str  # the other party's name, or "" when none yet
    may_open: bool  # the viewer may open the deal's own page


@dataclass
class ContractLine:
    contract: TechnicalContract
    registration: Registration | None  # the current registration, if any
    is_registered: bool
    may_open: bool


@dataclass
class ListingProgress:
    kind: str
    listing: Achievement | Demand
    figures: dict[str, Figure] = field(default_factory=dict)
    deals: list[DealLine] = field(default_factory=list)
    contracts: list[ContractLine] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # "listing" | "deal" | "registration" (for styling)
    title: str
    detail: str = ""
    actor: str = ""


def own_listings(user) -> dict[str, list]:
    """The achievements and demands of the user's organization, every state, newest change first."""
    if not has_own_listings(user):
        return {kind: [] for kind in MODELS}
    return {
        kind: list(
            model.objects.filter(owner_id=user.organization_id)
            .select_related("owner", "division")
            .order_by("-updated_at", "-id")
        )
        for kind, model in MODELS.items()
    }


def _counts(kind: str, ids: list[int]) -> dict[int, dict]:
    rows = (
        ListingDailyCount.objects.filter(kind=kind, listing_id__in=ids)
        .values("listing_id")
        .annotate(views=Sum("views"), recommended=Sum("recommended"))
        .order_by()
    )
    return {row["listing_id"]: row for row in rows}


def _deals(kind: str, ids: list[int]) -> dict[int, list[Deal]]:
    field_name = DEAL_FIELD[kind]
    deals = Deal.objects.filter(**{f"{field_name}_id__in": ids}).select_related("buyer", "seller")
    by_listing = defaultdict(list)
    for deal in deals.order_by("-created_at", "-id"):
        by_listing[getattr(deal, f"{field_name}_id")].append(deal)
    return by_listing


def _contracts(deal_ids: list[int]) -> dict[int, list[TechnicalContract]]:
    contracts = (
        TechnicalContract.objects.filter(deal_id__in=deal_ids)
        .exclude(status=TechnicalContract.Status.AMENDED)  # the amendment stands for it
        .select_related("deal", "sub_center", "created_by")
        .prefetch_related("parties", "registrations")
        .order_by("-created_at", "-id")
    )
    by_deal = defaultdict(list)
    for contract in contracts:
        by_deal[contract.deal_id].append(contract)
    return by_deal


def _current_registration(contract: TechnicalContract) -> Registration | None:
    current = [r for r in contract.registrations.all() if r.is_current]
    return current[0] if current else None


def _counterpart(kind: str, deal: Deal) -> str:
    other = deal.seller if kind == ListingKind.DEMAND else deal.buyer
    return other.name if other else ""


def _figures(
    counts: dict, inquiries: dict, deals: list[DealLine], contracts: list[ContractLine]
) -> dict[str, Figure]:
    """The figures of one listing, in the order shown. Another app adds its own key here."""
    return {
        "views": Figure(_("Views"), counts.get("views") or 0),
        "recommended": Figure(_("Times recommended"), counts.get("recommended") or 0),
        "inquiries": Figure(_("Inquiries"), inquiries.get("total", 0)),
        "deals": Figure(_("Deals"), len(deals)),
        "registered_contracts": Figure(
            _("Registered contracts"), sum(1 for line in contracts if line.is_registered)
        ),
    }


def summaries(kind: str, listings: list, user) -> list[ListingProgress]:
    """One `ListingProgress` per listing of one kind, in a fixed number of queries."""
    ids = [listing.pk for listing in listings]
    if not ids:
        return []
    counts = _counts(kind, ids)
    inquiries = inquiry_counts(kind, ids)
    deals = _deals(kind, ids)
    contracts = _contracts([deal.pk for group in deals.values() for deal in group])
    result = []
    for listing in listings:
        deal_lines, contract_lines = [], []
        for deal in deals.get(listing.pk, []):
            deal_lines.append(
                DealLine(deal, _counterpart(kind, deal), deal_permissions.can_view_deal(user, deal))
            )
            for contract in contracts.get(deal.pk, []):
                registration = _current_registration(contract)
                contract_lines.append(
                    ContractLine(
                        contract,
                        registration,
                        bool(registration and registration.status == Registration.Status.REGISTERED),
                        deal_permissions.can_view_contract(user, contract),
                    )
                )
        result.append(
            ListingProgress(
                kind,
                listing,
                _figures(
                    counts.get(listing.pk, {}), inquiries.get(listing.pk, {}), deal_lines, contract_lines
                ),
                deal_lines,
                contract_lines,
            )
        )
    return result


def daily_counts(kind: str, listing_id: int, days: int = RECENT_DAYS, today: date | None = None) -> list:
    """(day, views, recommended) for each of the last `days` days, zeros included, oldest first."""
    today = today or clock.local_date()
    start = today - timedelta(days=days - 1)
    rows = {
        row.day: row
        for row in ListingDailyCount.objects.filter(kind=kind, listing_id=listing_id, day__gte=start)
    }
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = rows.get(day)
        out.append((day, row.views if row else 0, row.recommended if row else 0))
    return out


def _actor(event) -> str:
    return str(event.actor) if event.actor_id else ""


def timeline(progress: ListingProgress, user) -> list[TimelineEntry]:
    """The listing's review history, its deals' steps and its contracts' registration steps, oldest
    first. Notes of deals and registrations are shown only to those who may open the deal/contract."""
    entries = []
    for event in progress.listing.events.select_related("actor"):
        entries.append(
            TimelineEntry(event.at, "listing", event.get_action_display(), event.reason, _actor(event))
        )
    deal_lines = {line.deal.pk: line for line in progress.deals}
    for event in DealEvent.objects.filter(deal_id__in=deal_lines).select_related("actor", "deal"):
        line = deal_lines[event.deal_id]
        title = f"{_('Deal')} “{event.deal.title}”: {event.get_kind_display()}"
        if event.to_stage:
            stages = [event.get_from_stage_display(), event.get_to_stage_display()]
            title += " · " + " → ".join(s for s in stages if s)
        entries.append(
            TimelineEntry(event.at, "deal", title, event.note if line.may_open else "", _actor(event))
        )
    contract_lines = {line.contract.pk: line for line in progress.contracts}
    registration_events = RegistrationEvent.objects.filter(
        registration__contract_id__in=contract_lines
    ).select_related("actor", "registration", "registration__contract")
    for event in registration_events:
        contract = event.registration.contract
        line = contract_lines[contract.pk]
        title = f"{_('Contract')} “{contract.title}”: {event.get_action_display()}"
        if event.registration.number and event.action == RegistrationEvent.Action.REGISTER:
            title += f" · {event.registration.number}"
        entries.append(
            TimelineEntry(event.at, "registration", title, event.note if line.may_open else "", _actor(event))
        )
    return sorted(entries, key=lambda entry: entry.at)


def progress_of(listing, user) -> ListingProgress:
    return summaries(listing._meta.model_name, [listing], user)[0]


def sent_inquiries(user) -> list:
    """The inquiries (我要对接) the person's organization sent on others' records, newest first, each with
    the deal it became (and that deal's stage) once the broker turned it into one."""
    if not user.organization_id:
        return []
    return list(my_threads(user).filter(inquirer_id=user.organization_id).order_by("-last_message_at")[:50])
