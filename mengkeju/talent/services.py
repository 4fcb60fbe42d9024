"""State changes of the talent pool and talent exchange: one user intent, one function, one transaction.

- add_person(by=…, **fields) -> Person
- decide_tier(person, tier=…, criterion=…, decided_on=…, by=…) -> TierDecision
- enrol(person, programme=…, year=…, term=…, by=…) -> Enrolment
- propose_exchange(by=…, person=…, home=…, host=…, role=…, starts_on=…, ends_on=…, purpose=…) -> Exchange
- confirm_exchange(exchange, side=…, by=…) -> Exchange
- start_exchange / end_exchange(exchange, by=…) -> Exchange
- link_outcome(exchange, by=…, achievement=… | contract=… | milestone=…) -> ExchangeOutcome

Every refusal is a localized ValidationError with a code, or PermissionDenied; nothing is written then.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mengkeju.core import clock
from mengkeju.network.models import Organization
from mengkeju.network.selectors import responsible_nodes

from . import pack, permissions
from .models import Enrolment, Exchange, ExchangeEvent, ExchangeOutcome, Person, TierDecision

# The exchange's states after confirmation: which step leads where (confirmation itself is
# PROPOSED -> CONFIRMED once the three sides have confirmed).
EXCHANGE_TRANSITIONS = {
    Exchange.Status.CONFIRMED: Exchange.Status.ACTIVE,
    Exchange.Status.ACTIVE: Exchange.Status.ENDED,
}


def _names(items) -> str:
    return "、".join(item.label for item in items) or "—"


@transaction.atomic
def add_person(*, by, name: str, kind: str, organization: Organization, chain_links=(), **fields) -> Person:
    division = fields.pop("division", None) or organization.division
    if not permissions.can_manage_people(by, division.pk):
        raise PermissionDenied(_("Only headquarters and the sub-center serving the division add people."))
    if kind not in Person.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Unknown kind of person."), code="unknown_kind")})
    if not (name or "").strip():
        raise ValidationError({"name": ValidationError(_("A name is required."), code="required")})
    person = Person.objects.create(
        name=name.strip(), kind=kind, organization=organization, division=division, **fields
    )
    if chain_links:
        person.chain_links.set(chain_links)
    return person


@transaction.atomic
def decide_tier(
    person: Person, *, tier: str, criterion: str, by, decided_on: date | None = None, note: str = ""
) -> TierDecision:
    """Headquarters puts a person in a tier of the region pack, on a date, naming the criterion met."""
    if not permissions.can_decide_tier(by):
        raise PermissionDenied(_("Only headquarters decides talent tiers."))
    found = pack.tier(tier)
    if found is None:
        raise ValidationError(
            {
                "tier": ValidationError(
                    _("Unknown talent tier %(tier)r; the region's tiers are: %(names)s."),
                    code="unknown_tier",
                    params={"tier": tier, "names": _names(pack.tiers())},
                )
            }
        )
    if found.criterion(criterion) is None:
        raise ValidationError(
            {
                "criterion": ValidationError(
                    _("%(criterion)r is not a criterion of this tier; its criteria are: %(names)s."),
                    code="unknown_criterion",
                    params={"criterion": criterion, "names": _names(found.criteria)},
                )
            }
        )
    today = clock.local_date()
    decided_on = decided_on or today
    if decided_on > today:
        raise ValidationError(
            {
                "decided_on": ValidationError(
                    _("A tier decision cannot be dated in the future."), code="future"
                )
            }
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.tier_since and decided_on < person.tier_since:
        raise ValidationError(
            {
                "decided_on": ValidationError(
                    _("The decision predates the person's current tier (since %(since)s)."),
                    code="predates_current",
                    params={"since": person.tier_since.isoformat()},
                )
            }
        )
    if person.tier == tier:
        raise ValidationError(
            {"tier": ValidationError(_("The person is already in this tier."), code="same_tier")}
        )
    decision = TierDecision.objects.record(
        by=by,
        person=person,
        from_tier=person.tier,
        to_tier=tier,
        criterion=criterion,
        decided_on=decided_on,
        note=note,
    )
    Person.objects.filter(pk=person.pk).update(tier=tier, tier_since=decided_on)
    return decision


@transaction.atomic
def enrol(person: Person, *, programme: str, year: int, by, term: str = "", note: str = "") -> Enrolment:
    if not permissions.can_manage_people(by, person.division_id):
        raise PermissionDenied(_("Only headquarters and the sub-center serving the division enrol people."))
    if pack.programme(programme) is None:
        raise ValidationError(
            {
                "programme": ValidationError(
                    _("Unknown programme %(programme)r; the region's programmes are: %(names)s."),
                    code="unknown_programme",
                    params={"programme": programme, "names": _names(pack.programmes())},
                )
            }
        )
    this_year = clock.local_date().year
    if not 2000 <= int(year) <= this_year + 1:
        raise ValidationError(
            {
                "year": ValidationError(
                    _("The year must lie between 2000 and %(last)s."),
                    code="year",
                    params={"last": this_year + 1},
                )
            }
        )
    if Enrolment.objects.filter(person=person, programme=programme, year=year).exists():
        raise ValidationError(
            {
                "programme": ValidationError(
                    _("The person is already enrolled in this programme for that year."),
                    code="already_enrolled",
                )
            }
        )
    return Enrolment.objects.create(
        person=person, programme=programme, year=year, term=term, note=note, enrolled_by=by
    )


def _sub_center_for(person: Person, host: Organization) -> Organization:
    chain_ids = {link.chain_id for link in person.chain_links.all()}
    nodes = responsible_nodes(host.division, chain_ids)
    return nodes[0] if nodes else Organization.objects.get(kind=Organization.Kind.HEADQUARTERS)


@transaction.atomic
def propose_exchange(
    *,
    by,
    person: Person,
    home: Organization,
    host: Organization,
    role: str,
    starts_on: date,
    ends_on: date,
    purpose: str,
    kind: str = Exchange.Kind.SECONDMENT,
    demand=None,
) -> Exchange:
    if not permissions.can_propose_exchange(by, home, host):
        raise PermissionDenied(
            _("Exchanges are proposed by either organization, the sub-center serving them, or headquarters.")
        )
    errors = {}
    if home.pk == host.pk:
        errors["host"] = ValidationError(
            _("The host must be another organization than the sending one."), code="same_organization"
        )
    if person.organization_id != home.pk:
        errors["person"] = ValidationError(
            _("The person must work for the sending organization."), code="not_of_home"
        )
    if ends_on < starts_on:
        errors["ends_on"] = ValidationError(
            _("The term cannot end before it starts."), code="end_before_start"
        )
    if pack.exchange_role(role) is None:
        errors["role"] = ValidationError(
            _("Unknown role %(role)r; the region's exchange roles are: %(names)s."),
            code="unknown_role",
            params={"role": role, "names": _names(pack.exchange_roles())},
        )
    if kind not in Exchange.Kind.values:
        errors["kind"] = ValidationError(_("Unknown kind of exchange."), code="unknown_kind")
    if not (purpose or "").strip():
        errors["purpose"] = ValidationError(_("Say what the exchange is for."), code="required")
    if errors:
        raise ValidationError(errors)
    exchange = Exchange.objects.create(
        person=person,
        kind=kind,
        home=home,
        host=host,
        sub_center=_sub_center_for(person, host),
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose.strip(),
        demand=demand,
        proposed_by=by,
    )
    exchange.events.record(kind=ExchangeEvent.Kind.PROPOSED, by=by)
    return exchange


SIDE_FIELDS = {
    permissions.HOME: ("home_confirmed_at", ExchangeEvent.Kind.HOME_CONFIRMED),
    permissions.HOST: ("host_confirmed_at", ExchangeEvent.Kind.HOST_CONFIRMED),
    permissions.SUB_CENTER: ("sub_center_confirmed_at", ExchangeEvent.Kind.SUB_CENTER_CONFIRMED),
}


@transaction.atomic
def confirm_exchange(exchange: Exchange, *, by, side: str | None = None) -> Exchange:
    """One side confirms (the sending organization, the host, the sub-center); the third confirmation
    makes the exchange confirmed."""
    exchange = Exchange.objects.select_for_update().select_related("person").get(pk=exchange.pk)
    if not exchange.is_proposed:
        raise ValidationError(_("This exchange is no longer waiting for confirmation."), code="not_proposed")
    sides = permissions.confirming_sides(by, exchange)
    if side is not None and side not in SIDE_FIELDS:
        raise ValidationError({"side": ValidationError(_("Unknown side."), code="unknown_side")})
    if not sides or (side is not None and side not in sides):
        raise PermissionDenied(
            _("You do not confirm this exchange for that side, or it is confirmed already.")
        )
    side = side or sides[0]
    field, event = SIDE_FIELDS[side]
    setattr(exchange, field, timezone.now())
    exchange.events.record(kind=event, by=by)
    if exchange.home_confirmed_at and exchange.host_confirmed_at and exchange.sub_center_confirmed_at:
        exchange.status = Exchange.Status.CONFIRMED
    exchange.save(update_fields=[field, "status"])
    return exchange


def _move(exchange: Exchange, target: str, event: str, *, by, note: str = "") -> Exchange:
    if not permissions.can_work_on_exchange(by, exchange):
        raise PermissionDenied(_("Only the two organizations, the sub-center and headquarters do this."))
    source = next((s for s, t in EXCHANGE_TRANSITIONS.items() if t == target), None)
    moved = Exchange.objects.filter(pk=exchange.pk, status=source).update(status=target)
    if not moved:
        raise ValidationError(_("This step does not follow from the exchange's present state."), code="state")
    exchange.refresh_from_db()
    exchange.events.record(kind=event, by=by, note=note)
    return exchange


@transaction.atomic
def start_exchange(exchange: Exchange, *, by) -> Exchange:
    return _move(exchange, Exchange.Status.ACTIVE, ExchangeEvent.Kind.STARTED, by=by)


@transaction.atomic
def end_exchange(exchange: Exchange, *, by, note: str = "") -> Exchange:
    return _move(exchange, Exchange.Status.ENDED, ExchangeEvent.Kind.ENDED, by=by, note=note)


@transaction.atomic
def link_outcome(
    exchange: Exchange, *, by, achievement=None, contract=None, milestone=None, note=""
) -> ExchangeOutcome:
    if not permissions.can_work_on_exchange(by, exchange):
        raise PermissionDenied(_("Only the two organizations, the sub-center and headquarters do this."))
    if exchange.is_proposed:
        raise ValidationError(_("Outcomes are linked once the exchange is confirmed."), code="not_confirmed")
    given = {
        k: v for k, v in (("achievement", achievement), ("contract", contract), ("milestone", milestone)) if v
    }
    if len(given) != 1:
        raise ValidationError(
            _("Link exactly one record: an achievement, a contract or a milestone."), code="one_record"
        )
    if exchange.outcomes.filter(**given).exists():
        raise ValidationError(_("This record is linked already."), code="linked_already")
    outcome = ExchangeOutcome.objects.create(exchange=exchange, linked_by=by, note=note, **given)
    exchange.events.record(
        kind=ExchangeEvent.Kind.OUTCOME_LINKED, by=by, note=str(next(iter(given.values())))
    )
    return outcome
