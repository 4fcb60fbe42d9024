"""Read queries of the talent pool and talent exchange."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q, QuerySet

from mengkeju.catalog.models import Demand
from mengkeju.core.roles import Role, role_of
from mengkeju.deals.models import Registration
from mengkeju.deals.selectors import registered

from . import permissions
from .models import Exchange, Person

log = logging.getLogger(__name__)


def visible_people(user) -> QuerySet[Person]:
    qs = Person.objects.select_related("organization", "division")
    if permissions.can_view_pool(user):
        return qs
    if getattr(user, "is_authenticated", False):
        return qs.filter(user=user)
    return qs.none()


def visible_exchanges(user) -> QuerySet[Exchange]:
    role = role_of(user)
    qs = Exchange.objects.select_related("person", "home", "host", "sub_center")
    if role is None:
        return qs.none()
    if role in permissions.HQ_ROLES or role == Role.ANALYST:
        return qs
    q = Q(person__user=user)
    if role in (Role.SUBCENTER_STAFF, Role.BROKER) and user.organization_id:
        q |= Q(sub_center_id=user.organization_id)
    if role == Role.MEMBER and user.organization_id:
        q |= Q(home_id=user.organization_id) | Q(host_id=user.organization_id)
    return qs.filter(q)


def contracts_between(exchange: Exchange) -> list[Registration]:
    """The registrations (current, registered) of technical contracts that have both organizations of
    the exchange among their parties, registered on or after the term's first day: the outcome page
    lists them without anyone linking them."""
    both = Registration.objects.filter(contract__parties__organization_id=exchange.home_id).filter(
        contract__parties__organization_id=exchange.host_id
    )
    return list(
        registered(both)
        .filter(registered_on__gte=exchange.starts_on)
        .select_related("contract")
        .distinct()
        .order_by("registered_on", "pk")
    )


def _ranked_people(query: str, chains, divisions, k: int) -> list[tuple[Person, object]]:
    if not settings.MATCHING_ENABLED:
        return []
    from mengkeju.matching.adapter import resources_of_kind

    try:
        hits = resources_of_kind("person", query, chains=chains, divisions=divisions, k=k)
    except Exception:  # the engine failing never breaks the page
        log.exception("talent matching failed")
        return []
    people = Person.objects.select_related("organization").in_bulk([pk for pk, _r in hits])
    return [(people[pk], result) for pk, result in hits if pk in people]


def people_for_demand(demand: Demand, k: int = 8) -> list[tuple[Person, object]]:
    """People of the talent pool the matching engine finds for a demand (its problem and indicators),
    boosted by the demand's chains and division, best first, each with the engine's result."""
    chains = {link.chain.code for link in demand.chain_links.select_related("chain")}
    query = "。".join(x for x in (demand.title, demand.problem, demand.indicators) if x)
    return _ranked_people(query, chains, {demand.division.code}, k)


def people_for_challenge(challenge, k: int = 8) -> list[tuple[Person, object]]:
    chains = {link.chain.code for link in challenge.chain_links.select_related("chain")}
    indicators = "。".join(challenge.indicators.values_list("name", flat=True))
    query = "。".join(x for x in (challenge.title, challenge.problem, challenge.field, indicators) if x)
    return _ranked_people(query, chains, set(), k)
