"""Who may read what on the industry-chain map.

- the map, its coverage and its gap list: everyone, anonymous visitors included — they are built
  from published listings and the public platform list;
- registered-contract turnover on the map: the roles that read the region's statistics
  (headquarters operators, government analysts, platform admins), as on the statistics dashboard;
- the gap list as Excel: the network's working roles (sub-center staff, brokers, headquarters),
  analysts and admins — the people who act on gaps.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import User

from .permissions import can_view_region

Role = User.Role
EXPORT_ROLES = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.ANALYST, Role.SUBCENTER_STAFF, Role.BROKER}


def can_view_map(user) -> bool:
    return True


def can_view_turnover(user) -> bool:
    return can_view_region(user)


def can_export_gaps(user) -> bool:
    return role_of(user) in EXPORT_ROLES
