"""Self-service accounts, one function per intent, each in one transaction: an organization signs
itself up (pending until verified), is verified or returned by the sub-center serving its division
(or headquarters), invites colleagues, handles join requests and removes members; people confirm
their e-mail address. Bad input raises a localized ValidationError and writes nothing."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core.roles import Role
from mengkeju.deals.rules import is_valid_credit_code, normalize_party_code
from mengkeju.network.models import Division, Organization
from mengkeju.network.selectors import responsible_nodes
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from . import rules, tasks
from .models import Invitation, JoinRequest, Membership, SignUp, VerificationEvent, VerifiedEmail
from .rules import SIGN_UP_KINDS
from .tokens import read_email_token

User = get_user_model()
KIND = Notification.Kind.ORGANIZATION
INVITATION_DAYS = 7
MAX_REASON = 1000


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _duplicate_message(code: str) -> str:
    return _(
        "An organization with the credit code %(code)s is already registered; ask its administrator to "
        "invite you, or request to join it."
    ) % {"code": code}


# --- checks shared by the forms and the services ---------------------------------------------------


def clean_credit_code(raw: str) -> str:
    code = normalize_party_code(raw)
    if not is_valid_credit_code(code):
        raise _error(
            "credit_code",
            _(
                "“%(code)s” is not a valid unified social credit code (GB 32100: 18 characters and a check character)."
            )
            % {"code": code or "—"},
            "invalid",
        )
    if (
        Organization.objects.filter(credit_code__iexact=code).exists()
        or SignUp.objects.filter(credit_code=code).exists()
    ):
        raise _error("credit_code", _duplicate_message(code), "duplicate")
    return code


def clean_account(*, username: str, email: str, password: str) -> tuple[str, str]:
    username, email = (username or "").strip(), (email or "").strip().lower()
    errors = {}
    if not username:
        errors["username"] = [ValidationError(_("Choose a user name."), code="required")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [ValidationError(_("This user name is taken."), code="duplicate")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [ValidationError(_("Enter a valid e-mail address."), code="invalid")]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [
                ValidationError(_("An account with this e-mail address exists already."), code="duplicate")
            ]
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return username, email


def _create_person(*, username: str, email: str, password: str, display_name: str = "", organization=None):
    user = User(
        username=username, email=email, role=Role.MEMBER, organization=organization, display_name=display_name
    )
    user.set_password(password)
    user.save()
    tasks.send_verification_email.enqueue(user.pk)  # in this transaction: no row, no e-mail
    return user


def _reviewers(organization: Organization) -> list:
    nodes = responsible_nodes(organization.division, set())
    staff = User.objects.filter(role=Role.SUBCENTER_STAFF, organization__in=nodes, is_active=True)
    hq = User.objects.filter(role=Role.HQ_OPERATOR, is_active=True)
    return [*staff.order_by("pk"), *hq.order_by("pk")]


def _admins(organization: Organization) -> list:
    return list(
        User.objects.filter(
            membership__organization=organization, membership__role=Membership.Role.ADMIN, is_active=True
        ).order_by("pk")
    )


# --- sign-up and verification ---------------------------------------------------------------------


@transaction.atomic
def sign_up(
    *,
    kind: str,
    name: str,
    credit_code: str,
    division: Division,
    responsible_person: str,
    responsible_phone: str = "",
    username: str,
    email: str,
    password: str,
    display_name: str = "",
):
    """An organization signs itself up: it is created PENDING, its first user is its administrator,
    the reviewers serving its division are told. Returns the new user."""
    errors = {}
    name, responsible_person = (name or "").strip(), (responsible_person or "").strip()
    if kind not in SIGN_UP_KINDS:
        errors["kind"] = [ValidationError(_("Choose the kind of organization."), code="invalid")]
    if not name:
        errors["name"] = [
            ValidationError(_("Enter the organization's full registered name."), code="required")
        ]
    if not responsible_person:
        errors["responsible_person"] = [ValidationError(_("Name the responsible person."), code="required")]
    if division is None or division.external:
        errors["division"] = [ValidationError(_("Choose a division of the region."), code="invalid")]
    for check in (
        lambda: clean_credit_code(credit_code),
        lambda: clean_account(username=username, email=email, password=password),
    ):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.error_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    code = normalize_party_code(credit_code)
    username, email = username.strip(), email.strip().lower()
    try:
        with transaction.atomic():  # of two concurrent sign-ups of one code, one loses here (unique code)
            organization = Organization.objects.create(
                code=f"uscc-{code.lower()}",
                name=name[:200],
                kind=kind,
                division=division,
                credit_code=code,
                verification=Organization.Verification.PENDING,
            )
    except IntegrityError:
        raise _error("credit_code", _duplicate_message(code), "duplicate") from None
    user = _create_person(
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        organization=organization,
    )
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    try:
        with transaction.atomic():  # and the sign-up's own unique code backs it up
            SignUp.objects.create(
                organization=organization,
                credit_code=code,
                responsible_person=responsible_person[:50],
                responsible_phone=(responsible_phone or "").strip()[:32],
                signed_up_by=user,
            )
    except IntegrityError:
        raise _error("credit_code", _duplicate_message(code), "duplicate") from None
    VerificationEvent.objects.record(
        organization=organization, action=VerificationEvent.Action.SIGNED_UP, by=user
    )
    notify(
        _reviewers(organization),
        _("%(org)s signed up and awaits verification.") % {"org": organization.name},
        reverse("accounts:verification", args=[organization.code]),
        kind=KIND,
    )
    return user


def _lock(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


@transaction.atomic
def verify_organization(organization: Organization, *, by) -> Organization:
    """认证: the sub-center serving the organization's division (or headquarters) approves it."""
    organization = _lock(organization)
    if not rules.can_verify(by, organization):
        raise PermissionDenied(
            _("Only the sub-center serving this organization's division, or headquarters, verifies it.")
        )
    if organization.verification != Organization.Verification.PENDING:
        raise ValidationError(
            _("Only an organization awaiting verification can be verified."), code="invalid_state"
        )
    organization.verification = Organization.Verification.VERIFIED
    organization.save(update_fields=["verification"])
    VerificationEvent.objects.record(
        organization=organization, action=VerificationEvent.Action.APPROVED, by=by
    )
    notify(
        _admins(organization),
        _("%(org)s is verified: you may now publish.") % {"org": organization.name},
        reverse("accounts:organization"),
        kind=KIND,
    )
    return organization


@transaction.atomic
def return_organization(organization: Organization, reason: str, *, by) -> Organization:
    """The reviewer returns the sign-up with the reason; the administrator corrects and resubmits."""
    reason = (reason or "").strip()
    organization = _lock(organization)
    if not rules.can_verify(by, organization):
        raise PermissionDenied(
            _("Only the sub-center serving this organization's division, or headquarters, verifies it.")
        )
    if organization.verification != Organization.Verification.PENDING:
        raise ValidationError(
            _("Only an organization awaiting verification can be returned."), code="invalid_state"
        )
    if not reason:
        raise _error("reason", _("Please give a reason."), "required")
    if len(reason) > MAX_REASON:
        raise _error("reason", _("The reason may be at most 1000 characters."), "too_long")
    organization.verification = Organization.Verification.RETURNED
    organization.save(update_fields=["verification"])
    VerificationEvent.objects.record(
        organization=organization, action=VerificationEvent.Action.RETURNED, reason=reason, by=by
    )
    notify(
        _admins(organization),
        _("The sign-up of %(org)s was returned: %(reason)s") % {"org": organization.name, "reason": reason},
        reverse("accounts:organization"),
        kind=KIND,
    )
    return organization


@transaction.atomic
def resubmit_organization(organization: Organization, *, by, name: str, division: Division) -> Organization:
    """The administrator corrects a returned sign-up (name, division) and sends it for verification again."""
    organization = _lock(organization)
    if not rules.is_org_admin(by, organization):
        raise PermissionDenied(_("Only the organization's administrator does this."))
    if organization.verification != Organization.Verification.RETURNED:
        raise ValidationError(_("Only a returned sign-up can be resubmitted."), code="invalid_state")
    name = (name or "").strip()
    if not name:
        raise _error("name", _("Enter the organization's full registered name."), "required")
    if division is None or division.external:
        raise _error("division", _("Choose a division of the region."), "invalid")
    organization.name, organization.division = name[:200], division
    organization.verification = Organization.Verification.PENDING
    organization.save(update_fields=["name", "division", "verification"])
    VerificationEvent.objects.record(
        organization=organization, action=VerificationEvent.Action.RESUBMITTED, by=by
    )
    notify(
        _reviewers(organization),
        _("%(org)s corrected its sign-up and awaits verification.") % {"org": organization.name},
        reverse("accounts:verification", args=[organization.code]),
        kind=KIND,
    )
    return organization


# --- members: invitations, join requests, removal ---------------------------------------------------


def _require_admin(user, organization: Organization) -> None:
    if not rules.is_org_admin(user, organization):
        raise PermissionDenied(_("Only the organization's administrator does this."))


@transaction.atomic
def invite(organization: Organization, email: str, *, by) -> Invitation:
    _require_admin(by, organization)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _error("email", _("Enter a valid e-mail address."), "invalid") from None
    if User.objects.filter(email__iexact=email, organization=organization).exists():
        raise _error("email", _("This person is already a member of your organization."), "duplicate")
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    tasks.send_invitation_email.enqueue(invitation.pk)  # in this transaction: no row, no e-mail
    return invitation


def open_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("organization").filter(token=token).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation is not valid any more; ask for a new one."), code="invalid")
    return invitation


def _join(user, organization: Organization) -> None:
    User.objects.filter(pk=user.pk).update(organization=organization)
    user.organization = organization
    Membership.objects.update_or_create(
        user=user, defaults={"organization": organization, "role": Membership.Role.MEMBER}
    )
    JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).exclude(
        organization=organization
    ).update(status=JoinRequest.Status.DECLINED, decided_at=timezone.now())


@transaction.atomic
def accept_invitation(
    token: str, *, user=None, username: str = "", password: str = "", display_name: str = ""
):
    """The invited person accepts: a signed-in person without an organization joins; otherwise a new
    account is created with the invited address. Returns the user."""
    invitation = open_invitation(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    organization = invitation.organization
    if user is not None and user.is_authenticated:
        if user.organization_id and user.organization_id != organization.pk:
            raise ValidationError(_("You belong to another organization already."), code="invalid_state")
    else:
        username, email = clean_account(username=username, email=invitation.email, password=password)
        user = _create_person(username=username, email=email, password=password, display_name=display_name)
        # The invitation reached this address: it is confirmed.
        VerifiedEmail.objects.update_or_create(user=user, defaults={"email": email})
    _join(user, organization)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    notify(
        _admins(organization),
        _("%(person)s accepted the invitation to %(org)s.") % {"person": user, "org": organization.name},
        reverse("accounts:organization"),
        kind=KIND,
    )
    return user


@transaction.atomic
def register_person(*, username: str, email: str, password: str, display_name: str = ""):
    """A person signs up without an organization (to request to join one)."""
    username, email = clean_account(username=username, email=email, password=password)
    return _create_person(username=username, email=email, password=password, display_name=display_name)


@transaction.atomic
def request_to_join(organization: Organization, *, by, message: str = "") -> JoinRequest:
    if not by.is_authenticated or by.role != Role.MEMBER:
        raise PermissionDenied(_("Only members without an organization request to join one."))
    if by.organization_id:
        raise ValidationError(_("You belong to an organization already."), code="invalid_state")
    if organization.kind not in SIGN_UP_KINDS:
        raise ValidationError(
            _("People join enterprises, universities, institutes, service providers and investors."),
            code="invalid",
        )
    if JoinRequest.objects.filter(user=by, status=JoinRequest.Status.PENDING).exists():
        raise ValidationError(_("You already have a join request awaiting approval."), code="duplicate")
    join_request = JoinRequest.objects.create(
        organization=organization, user=by, message=(message or "").strip()[:300]
    )
    notify(
        _admins(organization),
        _("%(person)s asks to join %(org)s.") % {"person": by, "org": organization.name},
        reverse("accounts:organization"),
        kind=KIND,
    )
    return join_request


@transaction.atomic
def decide_join_request(join_request: JoinRequest, *, approve: bool, by) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update().select_related("organization", "user").get(pk=join_request.pk)
    )
    organization = join_request.organization
    _require_admin(by, organization)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request was decided already."), code="invalid_state")
    if approve and join_request.user.organization_id:
        raise ValidationError(_("This person belongs to an organization already."), code="invalid_state")
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_by, join_request.decided_at = by, timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        _join(join_request.user, organization)
        message = _("You are now a member of %(org)s.")
    else:
        message = _("Your request to join %(org)s was declined.")
    notify(
        [join_request.user], message % {"org": organization.name}, reverse("accounts:organization"), kind=KIND
    )
    return join_request


@transaction.atomic
def remove_member(organization: Organization, member, *, by) -> None:
    _require_admin(by, organization)
    if member.organization_id != organization.pk:
        raise ValidationError(_("This person is not a member of your organization."), code="invalid")
    if member.pk == by.pk:
        raise ValidationError(_("An administrator cannot remove themselves."), code="invalid")
    User.objects.filter(pk=member.pk).update(organization=None)
    Membership.objects.filter(user=member).delete()
    notify(
        [member],
        _("You were removed from %(org)s.") % {"org": organization.name},
        reverse("portal:workspace"),
        kind=KIND,
    )


# --- e-mail verification ---------------------------------------------------------------------------


def send_email_confirmation(user) -> None:
    """Queue the confirmation link (the worker e-mails it)."""
    if not user.email:
        raise ValidationError(_("Add an e-mail address first."), code="required")
    tasks.send_verification_email.enqueue(user.pk)  # in this transaction: no row, no e-mail


@transaction.atomic
def confirm_email(token: str):
    """The link's token names a person and an address; if that is still their address, it is confirmed."""
    data = read_email_token(token)
    user = User.objects.filter(pk=data["u"]).first() if data else None
    if user is None or user.email.lower() != str(data["e"]).lower():
        raise ValidationError(_("This confirmation link is invalid or has expired."), code="invalid")
    VerifiedEmail.objects.update_or_create(user=user, defaults={"email": user.email})
    return user
