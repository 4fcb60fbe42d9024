"""Who may do what with an organization's accounts.

- the organization's administrator (Membership.Role.ADMIN, the person who signed it up, or one an
  administrator promoted): invites colleagues, approves or declines join requests, removes members,
  corrects and resubmits a returned sign-up;
- sub-center staff whose node serves the organization's division: verify (认证) or return it;
- headquarters operators and platform administrators: verify or return any organization;
- everyone else: none of this.
"""

from __future__ import annotations

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Organization
from mengkeju.network.selectors import user_scope

from .models import Membership

SIGN_UP_KINDS = (
    Organization.Kind.ENTERPRISE,
    Organization.Kind.UNIVERSITY,
    Organization.Kind.INSTITUTE,
    Organization.Kind.SERVICE_PROVIDER,
    Organization.Kind.INVESTOR,
)


def is_org_admin(user, organization: Organization) -> bool:
    if role_of(user) is None or user.organization_id != organization.pk:
        return False
    return Membership.objects.filter(
        user=user, organization=organization, role=Membership.Role.ADMIN
    ).exists()


def can_verify(user, organization: Organization) -> bool:
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    return role == Role.SUBCENTER_STAFF and user_scope(user).covers(organization.division_id, set())
