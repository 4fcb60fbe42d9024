"""Who may see and change catalog records. One place for the rules; selectors mirror `can_view`.

Roles (network.User.Role):
- public visitor (anonymous) and expert: published records only;
- organization member: also every record of their own organization; edits drafts/returned ones;
- sub-center staff: also submitted/returned/withdrawn records in their node's divisions or chains;
  reviews (publishes/returns) and corrects them;
- technology broker: sees what their sub-center sees, changes nothing;
- headquarters operator: sees every non-draft record, reviews and corrects all;
- platform admin: everything.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import region_parameter, user_scope

from .models import EDITABLE_STATES, Status

Role = User.Role
REVIEW_VISIBLE_STATES = (Status.SUBMITTED, Status.RETURNED, Status.WITHDRAWN)
STAFF_EDITABLE_STATES = {Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED, Status.WITHDRAWN}
OWNER_KINDS = {
    "achievement": {
        Organization.Kind.UNIVERSITY,
        Organization.Kind.INSTITUTE,
        Organization.Kind.ENTERPRISE,
        Organization.Kind.COOPERATING,
        Organization.Kind.SERVICE_PROVIDER,
    },
    "demand": {Organization.Kind.ENTERPRISE, Organization.Kind.INSTITUTE, Organization.Kind.UNIVERSITY},
}


def is_owner(user, listing) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.MEMBER
        and user.organization_id
        and user.organization_id == listing.owner_id
    )


def _in_scope(user, listing) -> bool:
    scope = user_scope(user)
    chain_ids = {link.chain_id for link in listing.chain_links.all()}
    return scope.covers(listing.division_id, chain_ids)


def is_reviewer_for(user, listing) -> bool:
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    return role == Role.SUBCENTER_STAFF and _in_scope(user, listing)


def can_view(user, listing) -> bool:
    if listing.status == Status.PUBLISHED:
        return True
    role = role_of(user)
    if role is None:
        return False
    if role == Role.PLATFORM_ADMIN or is_owner(user, listing):
        return True
    if listing.status == Status.DRAFT:
        return listing.created_by_id == user.pk
    if role == Role.HQ_OPERATOR:
        return True
    if role in (Role.SUBCENTER_STAFF, Role.BROKER):
        return _in_scope(user, listing)
    return False


# --- Contact details (联系人电话/邮箱) --------------------------------------------------------------
#
# A listing's contact phone and e-mail are shown to: the owner organization's members and the record's
# author, network staff (platform admins, headquarters, sub-centers, brokers) and, only when the region
# pack's `contact_visible_to_verified_members` is true, members of verified organizations. Never to
# anonymous visitors, experts or analysts. Everybody else reaches the owner through an inquiry.
CONTACT_STAFF_ROLES = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF, Role.BROKER}
CONTACT_POLICY_PARAMETER = "contact_visible_to_verified_members"


def verified_members_see_contacts() -> bool:
    """The region pack's policy (default False: only through an inquiry)."""
    return region_parameter(CONTACT_POLICY_PARAMETER, False) is True


def can_see_contact(user, listing, *, verified_members: bool | None = None) -> bool:
    """May `user` read `listing`'s contact phone and e-mail? `verified_members` passes the region's
    policy in when it is already known (lists ask once, not per row)."""
    role = role_of(user)
    if role is None:
        return False
    if role in CONTACT_STAFF_ROLES or is_owner(user, listing) or listing.created_by_id == user.pk:
        return True
    if role != Role.MEMBER or not user.organization_id:
        return False
    if verified_members is None:
        verified_members = verified_members_see_contacts()
    return verified_members and user.organization.verification == Organization.Verification.VERIFIED


def can_see_match_scores(user) -> bool:
    """The engine's raw scores (BM25, dense, fused) help the network's staff tune and judge a match;
    to anyone else a number like 0.200 says nothing, so they read the reasons only."""
    return role_of(user) in CONTACT_STAFF_ROLES


def can_edit(user, listing) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role == Role.PLATFORM_ADMIN:
        return True
    if listing.status in EDITABLE_STATES and (is_owner(user, listing) or listing.created_by_id == user.pk):
        return True
    return listing.status in STAFF_EDITABLE_STATES and role != Role.BROKER and is_reviewer_for(user, listing)


def can_create_for(user, organization: Organization, kind: str) -> bool:
    """May `user` publish an achievement/demand on behalf of `organization`?"""
    if organization.kind not in OWNER_KINDS[kind]:
        return False
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    if role == Role.MEMBER:
        return user.organization_id == organization.pk
    if role in (Role.SUBCENTER_STAFF, Role.BROKER):  # brokers enter records for the enterprises they serve
        return user_scope(user).covers(organization.division_id, set())
    return False


def can_submit(user, listing) -> bool:
    return listing.status in EDITABLE_STATES and (
        is_owner(user, listing) or (user.is_authenticated and listing.created_by_id == user.pk)
    )


def can_review(user, listing) -> bool:
    return listing.status == Status.SUBMITTED and is_reviewer_for(user, listing)


def can_withdraw(user, listing) -> bool:
    if listing.status not in (Status.PUBLISHED, Status.SUBMITTED):
        return False
    return is_owner(user, listing) or is_reviewer_for(user, listing)


def can_revise(user, listing) -> bool:
    return listing.status in (Status.WITHDRAWN, Status.RETURNED) and (
        is_owner(user, listing) or (user.is_authenticated and listing.created_by_id == user.pk)
    )


# --- Platform whitelist (白名单) and the guidance catalog -------------------------------------------
#
# - applying for the whitelist: a member of the platform's own organization, sub-center staff whose
#   node serves the platform's division or one of its chains, headquarters, platform admins;
# - reviewing, listing, rejecting and the yearly evaluation: headquarters and platform admins;
# - the whitelist history with reasons: the platform's own members, network staff (sub-centers, brokers,
#   headquarters), government analysts and admins; the current status itself is public;
# - the guidance catalog: headquarters and admins curate it; drafts are also open to analysts;
#   a published catalog is public.
DECIDING_ROLES = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR}
HISTORY_ROLES = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF, Role.BROKER, Role.ANALYST}


def is_platform_member(user, platform) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.role == Role.MEMBER
        and user.organization_id
        and user.organization_id == platform.organization_id
    )


def can_apply_for_whitelist(user, platform) -> bool:
    role = role_of(user)
    if role in DECIDING_ROLES or is_platform_member(user, platform):
        return True
    if role == Role.SUBCENTER_STAFF:
        chain_ids = {link.chain_id for link in platform.chain_links.all()}
        return user_scope(user).covers(platform.division_id, chain_ids)
    return False


def can_decide_whitelist(user) -> bool:
    return role_of(user) in DECIDING_ROLES


def can_view_whitelist_history(user, platform) -> bool:
    return role_of(user) in HISTORY_ROLES or is_platform_member(user, platform)


def can_bulk_import(user) -> bool:
    """Importing achievement/demand files from the page (as `mengkeju import` does): headquarters."""
    return role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR)


def can_curate_guidance(user) -> bool:
    return role_of(user) in DECIDING_ROLES


def can_view_guidance(user, catalog) -> bool:
    if catalog.status == catalog.Status.PUBLISHED:
        return True
    return role_of(user) in (DECIDING_ROLES | {Role.ANALYST})


# --- Directories: experts, innovation platforms and services ----------------------------------------
#
# - creating, editing, retiring and restoring: headquarters and platform admins anywhere; sub-center
#   staff for the divisions their node serves (a chain they serve elsewhere is not enough: the
#   directory entry belongs to a place);
# - an expert (the user linked by Expert.user) edits their own field, title, biography and chain links,
#   never their tier, organization, name or division;
# - importing files: headquarters, platform admins and sub-center staff (each row within their divisions);
# - a retired entry is seen only by those who may restore it; everyone else gets "not found".
DIRECTORY_MANAGERS = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR}
EXPERT_SELF_FIELDS = ("field", "title", "bio", "chain_links")


def can_manage_directory(user, division_id: int | None = None) -> bool:
    """May `user` create or change directory entries (in `division_id`; None: in some division)?"""
    role = role_of(user)
    if role in DIRECTORY_MANAGERS:
        return True
    if role != Role.SUBCENTER_STAFF:
        return False
    scope = user_scope(user)
    if division_id is None:
        return bool(scope.division_ids)
    return scope.covers(division_id, set())


def can_manage_resource(user, resource) -> bool:
    return can_manage_directory(user, resource.division_id)


def is_own_expert_profile(user, expert) -> bool:
    owner_id = getattr(expert, "user_id", None)  # platforms and services have no linked user
    return bool(user and user.is_authenticated and owner_id and owner_id == user.pk)


def can_edit_resource(user, resource) -> bool:
    """Edit anything (managers) or one's own profile's open fields (the expert)."""
    if can_manage_resource(user, resource):
        return True
    return resource.retired_at is None and is_own_expert_profile(user, resource)


def can_view_resource(user, resource) -> bool:
    return resource.retired_at is None or can_manage_resource(user, resource)
