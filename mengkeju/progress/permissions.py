"""Who may follow a listing's progress, and whose looks count.

- A listing's progress (figures, deals, contracts, timeline) is seen by the members of its owner
  organization, and by network staff: platform administrators and headquarters operators for every
  listing, sub-center staff and technology brokers for listings in their node's divisions or chains.
  Nobody follows a record they may not see (another organization's draft). Anonymous visitors,
  experts, members of other organizations and analysts see nothing.
- Views and recommendations count only when the person looking is someone else: anonymous visitors,
  experts and members of other organizations. The owner organization's own members and the network
  staff (who review, broker and correct listings) are left out, so the figures tell the publisher
  how much the market looked.
"""

from __future__ import annotations

from mengkeju.catalog.models import Status
from mengkeju.catalog.permissions import can_view, is_owner
from mengkeju.core.roles import Role, role_of
from mengkeju.network.selectors import user_scope

EVERYTHING_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR})
SCOPED_ROLES = frozenset({Role.SUBCENTER_STAFF, Role.BROKER})
# Roles whose looks are not counted: they work on the listings rather than shop for them.
NETWORK_STAFF_ROLES = frozenset({*EVERYTHING_ROLES, *SCOPED_ROLES, Role.ANALYST})


def has_own_listings(user) -> bool:
    """Members of an organization have a 我的成果 / 我的需求 page."""
    return bool(role_of(user) == Role.MEMBER and user.organization_id)


def can_follow(user, listing) -> bool:
    role = role_of(user)
    if role is None or not can_view(user, listing):  # staff never follow a draft they may not see
        return False
    if is_owner(user, listing) or role in EVERYTHING_ROLES:
        return True
    if role in SCOPED_ROLES:
        chain_ids = {link.chain_id for link in listing.chain_links.all()}
        return user_scope(user).covers(listing.division_id, chain_ids)
    return False


def counts_as_audience(user, listing) -> bool:
    """Is `user` looking at `listing` (its page, or among recommendations) someone whose look counts?"""
    if listing.status != Status.PUBLISHED:
        return False
    if role_of(user) in NETWORK_STAFF_ROLES:
        return False
    return not is_owner(user, listing)
