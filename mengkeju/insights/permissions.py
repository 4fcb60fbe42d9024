"""Who may read the statistics.

- the whole region's dashboard: headquarters operators, government analysts, platform admins;
- a sub-center's dashboard: the above, and that sub-center's own staff and brokers;
- everyone else (anonymous visitors, organization members, experts, other sub-centers): neither.
Statistics hold no contract-level detail, but a sub-center's figures are its own business.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import Organization, User

Role = User.Role
REGION_ROLES = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.ANALYST}
NODE_ROLES = {Role.SUBCENTER_STAFF, Role.BROKER}


def can_view_region(user) -> bool:
    return role_of(user) in REGION_ROLES


def can_view_sub_center(user, node: Organization) -> bool:
    if can_view_region(user):
        return True
    return role_of(user) in NODE_ROLES and user.organization_id == node.pk


def home_node(user) -> Organization | None:
    """The sub-center whose dashboard a staff member or broker lands on."""
    if role_of(user) in NODE_ROLES and user.organization_id:
        org = user.organization
        if org.kind in Organization.SERVICE_NODE_KINDS or org.kind == Organization.Kind.HEADQUARTERS:
            return org
    return None
