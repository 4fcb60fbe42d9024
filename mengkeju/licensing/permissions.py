"""Who may see and change licensing records. One place for the rules; selectors mirror the `can_view_*`.

Licence terms, payments and revenue sharing are confidential between the parties:
- anonymous visitors (and everyone else) see only open licence declarations that stand (公开声明);
- members of the licensor or licensee see that licence, its schedule, royalty reports and events;
- only licensee members file royalty reports, convert or exit a trial, and accept open licences
  (for their own organization);
- only licensor members create and grant licences, declare/withdraw open licences for their
  achievements, terminate licences and record payments received;
- revenue-sharing policies and statements are internal to the institution: its members see them
  and set its policy; the licensee does not see them;
- headquarters operators and platform administrators see everything, change nothing here (the
  parties act for themselves; administrators correct records through the Django admin);
- sub-center staff, brokers and experts see nothing beyond the public declarations: the
  contract a broker helped sign is visible to them through the deals app, not the licence terms.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import Organization, User

from .models import Licence, OpenLicenceDeclaration

Role = User.Role
# Organizations that may hold a revenue-sharing policy (成果转化收益分配 applies to research institutions):
# universities and institutes, also when they take part in the network as cooperating institutions.
POLICY_INSTITUTION_KINDS = (Organization.Kind.UNIVERSITY, Organization.Kind.INSTITUTE)
POLICY_INSTITUTION_TYPES = ("university", "institute")
# The headquarters and sub-centers broker licences; they are never a party to one.
NON_PARTY_KINDS = (Organization.Kind.HEADQUARTERS, Organization.Kind.SUB_CENTER, Organization.Kind.ENCLAVE)


def is_party_kind(organization: Organization) -> bool:
    return organization.kind not in NON_PARTY_KINDS


def is_policy_institution(organization: Organization) -> bool:
    return organization.kind in POLICY_INSTITUTION_KINDS or (
        organization.kind == Organization.Kind.COOPERATING
        and organization.institution_type in POLICY_INSTITUTION_TYPES
    )


def sees_everything(user) -> bool:
    return role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR)


def is_member_of(user, organization_id: int | None) -> bool:
    return bool(
        organization_id
        and user
        and user.is_authenticated
        and user.role == Role.MEMBER
        and user.organization_id == organization_id
    )


def is_licensor(user, licence: Licence) -> bool:
    return is_member_of(user, licence.licensor_id)


def is_licensee(user, licence: Licence) -> bool:
    return is_member_of(user, licence.licensee_id)


# Licences -----------------------------------------------------------------------------------------


def can_view_licence(user, licence: Licence) -> bool:
    return sees_everything(user) or is_licensor(user, licence) or is_licensee(user, licence)


def can_create_licence(user, licensor: Organization) -> bool:
    return is_party_kind(licensor) and is_member_of(user, licensor.pk)


def can_grant(user, licence: Licence) -> bool:
    """Grant a draft licence, or start its trial."""
    return licence.status == Licence.Status.DRAFT and is_licensor(user, licence)


def can_convert(user, licence: Licence) -> bool:
    return licence.status == Licence.Status.TRIAL and is_licensee(user, licence)


def can_exit_trial(user, licence: Licence) -> bool:
    return licence.status == Licence.Status.TRIAL and is_licensee(user, licence)


def can_terminate(user, licence: Licence) -> bool:
    return licence.status in Licence.RUNNING and is_licensor(user, licence)


def can_file_royalty_report(user, licence: Licence) -> bool:
    return is_licensee(user, licence)


def can_record_payment(user, licence: Licence) -> bool:
    return is_licensor(user, licence)


# Open licence declarations ------------------------------------------------------------------------


def can_view_declaration(user, declaration: OpenLicenceDeclaration) -> bool:
    if declaration.status == OpenLicenceDeclaration.Status.DECLARED:
        return True
    return sees_everything(user) or is_member_of(user, declaration.licensor_id)


def can_declare(user, achievement) -> bool:
    return is_member_of(user, achievement.owner_id)


def can_withdraw_declaration(user, declaration: OpenLicenceDeclaration) -> bool:
    return declaration.status == OpenLicenceDeclaration.Status.DECLARED and is_member_of(
        user, declaration.licensor_id
    )


def can_accept_open_licence(user, declaration: OpenLicenceDeclaration, licensee: Organization) -> bool:
    """Anyone may take an open licence: a member, for their own organization (not the licensor)."""
    return (
        declaration.status == OpenLicenceDeclaration.Status.DECLARED
        and licensee.pk != declaration.licensor_id
        and is_party_kind(licensee)
        and is_member_of(user, licensee.pk)
    )


# Revenue sharing ----------------------------------------------------------------------------------


def can_view_revenue(user, institution_id: int) -> bool:
    """Policies and statements of an institution."""
    return sees_everything(user) or is_member_of(user, institution_id)


def can_set_revenue_policy(user, institution: Organization) -> bool:
    return is_policy_institution(institution) and is_member_of(user, institution.pk)
