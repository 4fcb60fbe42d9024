"""Who may do what with the talent pool and talent exchange (the table in docs/talent.md).

- The talent pool (people, tiers, enrolments) is read by the network staff: platform administrators,
  headquarters operators, sub-center staff, technology brokers and government analysts; a person linked
  to a user account reads their own entry. Members of organizations, experts and anonymous visitors
  do not read the pool.
- Tier decisions are taken by headquarters only (operators and platform administrators).
- People are added and edited, and enrolled in programmes, by headquarters everywhere and by sub-center
  staff in the divisions their node serves.
- An exchange is proposed by headquarters, by staff of a sub-center serving either organization's
  division, or by a member of either organization. It is confirmed by the sending organization (a
  member), the host organization (a member) and the sub-center that serves the host (its staff;
  headquarters may confirm for the network). It is seen by those, by brokers of that sub-center and by
  analysts.
- The dashboards are read by headquarters, sub-center staff and analysts.
"""

from __future__ import annotations

from mengkeju.core.roles import Role, role_of
from mengkeju.network.selectors import user_scope

HQ_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR})
POOL_ROLES = frozenset({*HQ_ROLES, Role.SUBCENTER_STAFF, Role.BROKER, Role.ANALYST})
DASHBOARD_ROLES = frozenset({*HQ_ROLES, Role.SUBCENTER_STAFF, Role.ANALYST})

HOME, HOST, SUB_CENTER = "home", "host", "sub_center"


def can_view_pool(user) -> bool:
    return role_of(user) in POOL_ROLES


def can_view_person(user, person) -> bool:
    return can_view_pool(user) or bool(person.user_id and person.user_id == getattr(user, "pk", None))


def can_decide_tier(user) -> bool:
    return role_of(user) in HQ_ROLES


def can_manage_people(user, division_id: int | None = None) -> bool:
    """Add or edit people, enrol them; with a division: in that division."""
    role = role_of(user)
    if role in HQ_ROLES:
        return True
    if role != Role.SUBCENTER_STAFF or not user.organization_id:
        return False
    return division_id is None or user_scope(user).covers(division_id, set())


def can_view_dashboard(user) -> bool:
    return role_of(user) in DASHBOARD_ROLES


def _member_of(user, organization_id) -> bool:
    return (
        role_of(user) == Role.MEMBER
        and bool(user.organization_id)
        and user.organization_id == organization_id
    )


def can_propose_exchange(user, home=None, host=None) -> bool:
    """Without organizations: may this user propose exchanges at all (the form)?"""
    role = role_of(user)
    if role in HQ_ROLES:
        return True
    if role == Role.SUBCENTER_STAFF and user.organization_id:
        if home is None or host is None:
            return True
        scope = user_scope(user)
        return scope.covers(home.division_id, set()) or scope.covers(host.division_id, set())
    if role == Role.MEMBER and user.organization_id:
        return home is None or _member_of(user, home.pk) or _member_of(user, host.pk)
    return False


def _node_staff(user, exchange) -> bool:
    return (
        role_of(user) in (Role.SUBCENTER_STAFF, Role.BROKER)
        and bool(user.organization_id)
        and user.organization_id == exchange.sub_center_id
    )


def can_view_exchange(user, exchange) -> bool:
    role = role_of(user)
    if role in HQ_ROLES or role == Role.ANALYST or _node_staff(user, exchange):
        return True
    if _member_of(user, exchange.home_id) or _member_of(user, exchange.host_id):
        return True
    return bool(exchange.person.user_id and exchange.person.user_id == getattr(user, "pk", None))


def confirming_sides(user, exchange) -> list[str]:
    """The sides this user confirms for (of those not yet confirmed) while the exchange is proposed."""
    if not exchange.is_proposed or role_of(user) is None:
        return []
    sides = []
    if exchange.home_confirmed_at is None and _member_of(user, exchange.home_id):
        sides.append(HOME)
    if exchange.host_confirmed_at is None and _member_of(user, exchange.host_id):
        sides.append(HOST)
    node = role_of(user) == Role.SUBCENTER_STAFF and user.organization_id == exchange.sub_center_id
    if exchange.sub_center_confirmed_at is None and (node or role_of(user) in HQ_ROLES):
        sides.append(SUB_CENTER)
    return sides


def can_work_on_exchange(user, exchange) -> bool:
    """Start or end a confirmed exchange, link its outcomes: either organization, the sub-center, HQ."""
    if role_of(user) in HQ_ROLES:
        return True
    if role_of(user) == Role.SUBCENTER_STAFF and user.organization_id == exchange.sub_center_id:
        return True
    return _member_of(user, exchange.home_id) or _member_of(user, exchange.host_id)
