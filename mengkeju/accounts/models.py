"""Self-service accounts: who administers an organization, invitations, join requests, the history of
an organization's verification (认证) and verified e-mail addresses. Written only by accounts.services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.events import Event
from mengkeju.network.models import Organization


class Membership(models.Model):
    """A person's standing in their organization (network.User.organization says which one)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("organization administrator")
        MEMBER = "member", _("member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="memberships", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "role", "joined_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(models.Model):
    """An e-mail invitation to join an organization; the link carries `token`."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="invitations", verbose_name=_("organization")
    )
    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class JoinRequest(models.Model):
    """A person asks to join an organization; its administrator approves or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="join_requests", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="join_requests", verbose_name=_("user")
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_join_request"
            )
        ]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.status})"


class VerificationEvent(Event):
    """One step of an organization's verification: signed up, approved, returned (with the reason),
    resubmitted. Append-only."""

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", _("signed up")
        APPROVED = "approved", _("verified")
        RETURNED = "returned", _("returned")
        RESUBMITTED = "resubmitted", _("resubmitted")

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="verification_events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.action}"


class VerifiedEmail(models.Model):
    """The address a person proved they read (the link e-mailed to them was opened)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="verified_email")
    email = models.EmailField(_("e-mail"))
    verified_at = models.DateTimeField(_("verified at"), auto_now=True)

    class Meta:
        verbose_name = _("verified e-mail address")
        verbose_name_plural = _("verified e-mail addresses")

    def __str__(self) -> str:
        return self.email


class SignUp(models.Model):
    """What an organization stated when it signed itself up: the responsible person (负责人), and its
    credit code once more, unique here so that two concurrent sign-ups of one code cannot both win."""

    organization = models.OneToOneField(Organization, models.CASCADE, related_name="sign_up")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    responsible_person = models.CharField(_("responsible person"), max_length=50)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=32, blank=True)
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    signed_up_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization sign-up")
        verbose_name_plural = _("organization sign-ups")

    def __str__(self) -> str:
        return str(self.organization)
