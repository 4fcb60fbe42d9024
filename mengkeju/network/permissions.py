"""Who may record an enterprise's moves on the incubation ladder, and a broker's level.

- headquarters operators and platform admins: any enterprise;
- sub-center staff: enterprises located in a division their node serves;
- everyone else (anonymous, members, experts, brokers, analysts): no one. The ladder's flow and
  graduation counts are public figures; who sits where is read by the same roles plus analysts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mengkeju.core.roles import role_of

from .models import Organization, User
from .selectors import user_scope

Role = User.Role


def can_record_ladder_move(user, enterprise: Organization | None = None) -> bool:
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    if role != Role.SUBCENTER_STAFF:
        return False
    return enterprise is None or user_scope(user).covers(enterprise.division_id, set())


def can_view_ladder_stays(user) -> bool:
    return role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF, Role.ANALYST)


def can_set_broker_level(user, broker: User) -> bool:
    """Headquarters and platform admins record any broker's level and filing number; sub-center staff
    those of the brokers of their own node."""
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    return (
        role == Role.SUBCENTER_STAFF
        and user.organization_id is not None
        and user.organization_id == broker.organization_id
    )


def require_verified(organization: Organization | None) -> None:
    """A pending or returned organization (self sign-up, 认证 not done) may draft but not publish:
    refuse with a clear message. No organization (staff entering records) is not checked here."""
    if organization is not None and not organization.is_verified:
        raise ValidationError(
            _(
                "%(org)s is not verified yet (%(state)s): you may save drafts, but publishing and "
                "submitting wait until the sub-center or headquarters verifies the organization."
            )
            % {"org": organization.name, "state": organization.get_verification_display()},
            code="unverified",
        )
