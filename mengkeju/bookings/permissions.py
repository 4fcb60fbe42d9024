"""Who may publish, book, run and see bookable services. One place for the rules; selectors mirror them.
See docs/bookings.md for the table.

- provider staff: members (role "member") of the offering's provider organization (the platform's
  organization or the service's provider) publish offerings, confirm or decline requests, record the
  run performed with its report and outcome, and record the fee; platform administrators may act for
  them; headquarters operators publish offerings for any platform or service (they keep the
  directories) but do not run another organization's bookings;
- enterprise members (verified organizations of kind "enterprise") request bookings and rate them;
- a booking and its report are seen by the booking enterprise, the provider, headquarters and platform
  administrators, and sub-center staff whose node serves the offering's or the enterprise's division
  (or the offering's chains); nobody else (analysts read the aggregated dashboard only);
- the service dashboard: headquarters, platform administrators and analysts region-wide, sub-center
  staff for the offerings in their node's scope.
"""

from __future__ import annotations

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Organization
from mengkeju.network.selectors import user_scope

EVERYTHING_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR})
DASHBOARD_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF, Role.ANALYST})


def is_member_of(user, organization_id: int | None) -> bool:
    return bool(
        organization_id
        and role_of(user) == Role.MEMBER
        and user.organization_id
        and user.organization_id == organization_id
    )


def is_provider_staff(user, offering) -> bool:
    return is_member_of(user, offering.provider_id)


def can_publish_for(user, provider_id: int | None) -> bool:
    """May `user` publish offerings for the organization `provider_id` (None: for some organization)?"""
    if role_of(user) in EVERYTHING_ROLES:
        return True
    if provider_id is None:
        return bool(role_of(user) == Role.MEMBER and user.organization_id)
    return is_member_of(user, provider_id)


def can_edit_offering(user, offering) -> bool:
    return can_publish_for(user, offering.provider_id)


def is_enterprise_member(user) -> bool:
    return bool(
        role_of(user) == Role.MEMBER
        and user.organization_id
        and user.organization.kind == Organization.Kind.ENTERPRISE
    )


def can_request(user, offering) -> bool:
    return bool(
        offering.is_open and is_enterprise_member(user) and user.organization_id != offering.provider_id
    )


def can_act_as_provider(user, booking) -> bool:
    return role_of(user) == Role.PLATFORM_ADMIN or is_provider_staff(user, booking.offering)


def can_rate(user, booking) -> bool:
    return is_member_of(user, booking.enterprise_id)


def _in_scope(user, booking) -> bool:
    scope = user_scope(user)
    offering = booking.offering
    chain_ids = {link.chain_id for link in offering.chain_links.all()}
    return scope.covers(offering.division_id, chain_ids) or scope.covers(
        booking.enterprise.division_id, set()
    )


def can_view_booking(user, booking) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if (
        role in EVERYTHING_ROLES
        or is_member_of(user, booking.enterprise_id)
        or is_provider_staff(user, booking.offering)
    ):
        return True
    return role == Role.SUBCENTER_STAFF and _in_scope(user, booking)


# The report is served to exactly those who see the booking.
can_download_report = can_view_booking


def can_view_dashboard(user) -> bool:
    return role_of(user) in DASHBOARD_ROLES


def can_view_platform_record(user, platform) -> bool:
    """The service record of a platform (for the whitelist's yearly evaluation)."""
    role = role_of(user)
    if role in DASHBOARD_ROLES:
        return True
    return is_member_of(user, platform.organization_id)
