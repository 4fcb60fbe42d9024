"""Reads for accounts pages and the workspace."""

from __future__ import annotations

from django.db.models import QuerySet

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import Organization
from mengkeju.network.selectors import user_scope

from .models import Invitation, JoinRequest, Membership, VerificationEvent, VerifiedEmail
from .rules import SIGN_UP_KINDS


def verification_queue(user) -> QuerySet[Organization]:
    """Organizations awaiting verification that `user` may verify (the workspace queue)."""
    role = role_of(user)
    pending = Organization.objects.filter(verification=Organization.Verification.PENDING).select_related(
        "division", "sign_up"
    )
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return pending.order_by("pk")
    if role == Role.SUBCENTER_STAFF:
        scope = user_scope(user)
        return pending.filter(division_id__in=scope.division_ids).order_by("pk")
    return Organization.objects.none()


def verification_history(organization: Organization) -> QuerySet[VerificationEvent]:
    return organization.verification_events.select_related("actor").order_by("at", "id")


def last_return_reason(organization: Organization) -> str:
    event = (
        organization.verification_events.filter(action=VerificationEvent.Action.RETURNED)
        .order_by("-at", "-id")
        .first()
    )
    return event.reason if event else ""


def members_of(organization: Organization):
    admins = set(
        Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).values_list(
            "user_id", flat=True
        )
    )
    people = list(organization.people.filter(is_active=True).order_by("pk"))
    return [{"user": person, "is_admin": person.pk in admins} for person in people]


def pending_join_requests(organization: Organization) -> QuerySet[JoinRequest]:
    return organization.join_requests.filter(status=JoinRequest.Status.PENDING).select_related("user")


def open_invitations(organization: Organization) -> QuerySet[Invitation]:
    return organization.invitations.filter(accepted_at=None).order_by("-created_at")


def email_is_verified(user) -> bool:
    return VerifiedEmail.objects.filter(user=user, email__iexact=user.email).exists() if user.email else False


def may_request_to_join(user) -> bool:
    """A member without an organization (a personal account) may ask to join one."""
    return role_of(user) == Role.MEMBER and not user.organization_id


def joinable_organizations(query: str) -> QuerySet[Organization]:
    query = (query or "").strip()
    if not query:
        return Organization.objects.none()
    found = Organization.objects.filter(kind__in=SIGN_UP_KINDS).select_related("division")
    if len(query) == 18:
        return found.filter(credit_code__iexact=query)
    return found.filter(name__icontains=query)[:20]
