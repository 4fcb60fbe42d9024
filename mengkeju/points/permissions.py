"""Who may see and change innovation-points records. One place for the rules; selectors mirror them.
See docs/points.md for the table.

An enterprise's indicator values (revenue, profit, R&D spend …) are confidential business data:
- enterprise member: enters and imports its own enterprise's data, sees its own data, score,
  breakdown and certificate; never another enterprise's, never the ranking;
- sub-center staff: sees, imports and confirms/returns the data of enterprises located in the
  divisions its node serves (and their sub-divisions), sees those enterprises' scores and the
  ranking limited to them; nothing elsewhere;
- headquarters operator and platform admin: everything, and they recompute the scores;
- government analyst: the rankings, distributions and exports region-wide (scores, tiers, group
  points), not the raw indicator values or an enterprise's breakdown;
- broker, expert, anonymous: nothing (brokering needs no one's financial data).
Nobody confirms data they entered themselves (four eyes).
"""

from __future__ import annotations

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Division, Organization
from mengkeju.network.selectors import division_subtree

from .models import EnterpriseYear

REGION_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR})
RANKING_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.ANALYST, Role.SUBCENTER_STAFF})


def sees_region(user) -> bool:
    return role_of(user) in REGION_ROLES


def is_enterprise_member(user, organization: Organization) -> bool:
    return bool(
        role_of(user) == Role.MEMBER
        and organization.kind == Organization.Kind.ENTERPRISE
        and user.organization_id == organization.pk
    )


def _node(user) -> Organization | None:
    if role_of(user) == Role.SUBCENTER_STAFF and user.organization_id:
        org = user.organization
        if org.kind in Organization.SERVICE_NODE_KINDS:
            return org
    return None


def node_division_ids(node_id: int) -> frozenset[int]:
    """The divisions a node serves and everything below them."""
    return division_subtree(*Division.objects.filter(served_by=node_id).values_list("pk", flat=True))


def scope_division_ids(user) -> frozenset[int] | None:
    """None: the whole region; a set: only enterprises located in these divisions; empty: nothing."""
    if sees_region(user) or role_of(user) == Role.ANALYST:
        return None
    node = _node(user)
    return node_division_ids(node.pk) if node else frozenset()


def staff_serves(user, organization: Organization) -> bool:
    node = _node(user)
    return bool(node and organization.division_id in node_division_ids(node.pk))


def can_view_enterprise_data(user, organization: Organization) -> bool:
    """The enterprise's indicator values, its score breakdown and certificate."""
    return sees_region(user) or is_enterprise_member(user, organization) or staff_serves(user, organization)


def can_enter_data(user, organization: Organization) -> bool:
    return organization.kind == Organization.Kind.ENTERPRISE and can_view_enterprise_data(user, organization)


def can_import(user) -> bool:
    role = role_of(user)
    if role in REGION_ROLES or _node(user):
        return True
    return (
        role == Role.MEMBER
        and user.organization_id
        and user.organization.kind == Organization.Kind.ENTERPRISE
    )


def confirms_on_entry(user) -> bool:
    """Data imported or entered by headquarters or the serving sub-center is confirmed by that act."""
    return sees_region(user) or _node(user) is not None


def can_confirm(user, record: EnterpriseYear) -> bool:
    return (
        record.status == EnterpriseYear.Status.ENTERED
        and (sees_region(user) or staff_serves(user, record.organization))
        and record.entered_by_id != user.pk
    )


def can_return(user, record: EnterpriseYear) -> bool:
    return record.status == EnterpriseYear.Status.ENTERED and (
        sees_region(user) or staff_serves(user, record.organization)
    )


def can_view_ranking(user) -> bool:
    return role_of(user) in RANKING_ROLES and (
        role_of(user) != Role.SUBCENTER_STAFF or _node(user) is not None
    )


def can_recompute(user) -> bool:
    return sees_region(user)


# --- 创新积分贷 (points-based credit) ----------------------------------------------------------------
# - bank (a member of an organization of kind investor): sees the ranking of the enterprises that
#   consented and scored at least the region's threshold (points_loan_min_score), records loans to
#   them and the loans it recorded; nothing of other enterprises, no breakdown or raw values;
# - enterprise member: gives and withdraws its enterprise's consent, sees the loans to it;
# - headquarters operator and platform admin: the financing per year and every loan;
# - everyone else: nothing.


def is_bank(user) -> bool:
    return bool(
        role_of(user) == Role.MEMBER
        and user.organization_id
        and user.organization.kind == Organization.Kind.INVESTOR
    )


def can_manage_consent(user, organization: Organization) -> bool:
    return is_enterprise_member(user, organization)


def can_view_loan_ranking(user) -> bool:
    return is_bank(user)


def can_view_financing(user) -> bool:
    return sees_region(user)
