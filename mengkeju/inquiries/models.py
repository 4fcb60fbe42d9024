"""我要对接: an inquiry on one listing becomes a thread (对接洽谈) among the inquiring organization, the
listing's owner and the responsible sub-center (its staff and brokers).

The listing is referenced by explicit nullable foreign keys, one per kind of listing, rather than a
generic (contenttypes) reference: the database keeps each reference valid (PROTECT: a listing with
inquiries cannot vanish), the joins and indexes are ordinary, and a check constraint says exactly one
is set. `subject_key` ("achievement:12") is the one-column form the uniqueness rule needs: one open
thread per inquiring organization and listing, enforced by a partial unique constraint, so a second
inquiry joins the open thread even when two arrive at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement, Demand, Expert, Platform, Service
from mengkeju.challenges.models import Challenge
from mengkeju.core.files import unguessable
from mengkeju.deals.models import Deal
from mengkeju.network.models import Organization

SUBJECT_KINDS = ("achievement", "demand", "challenge", "platform", "service", "expert")
# The kinds a broker can turn into a deal (a deal is on a demand and/or an achievement).
DEAL_KINDS = ("achievement", "demand")


class Thread(models.Model):
    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", _("achievement")
        DEMAND = "demand", _("demand")
        CHALLENGE = "challenge", _("challenge")
        PLATFORM = "platform", _("innovation platform")
        SERVICE = "service", _("service")
        EXPERT = "expert", _("expert")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CONVERTED = "converted", _("turned into a deal")
        CLOSED = "closed", _("closed")

    class Contact(models.TextChoices):
        PLATFORM = "platform", _("messages on the platform")
        PHONE = "phone", _("phone")
        EMAIL = "email", _("e-mail")
        MEETING = "meeting", _("meeting in person")

    kind = models.CharField(_("listing kind"), max_length=16, choices=Kind.choices)
    subject_key = models.CharField(max_length=40, db_index=True, editable=False)
    achievement = models.ForeignKey(Achievement, models.PROTECT, null=True, blank=True, related_name="+")
    demand = models.ForeignKey(Demand, models.PROTECT, null=True, blank=True, related_name="+")
    challenge = models.ForeignKey(Challenge, models.PROTECT, null=True, blank=True, related_name="+")
    platform = models.ForeignKey(Platform, models.PROTECT, null=True, blank=True, related_name="+")
    service = models.ForeignKey(Service, models.PROTECT, null=True, blank=True, related_name="+")
    expert = models.ForeignKey(Expert, models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    inquirer = models.ForeignKey(
        Organization, models.PROTECT, related_name="inquiries_sent", verbose_name=_("inquiring organization")
    )
    owner = models.ForeignKey(
        Organization, models.PROTECT, related_name="inquiries_received", verbose_name=_("listing owner")
    )
    sub_center = models.ForeignKey(
        Organization, models.PROTECT, related_name="inquiry_threads", verbose_name=_("responsible sub-center")
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    budget_min_yuan = models.DecimalField(
        _("budget from (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_max_yuan = models.DecimalField(
        _("budget up to (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    preferred_contact = models.CharField(
        _("preferred contact"), max_length=16, choices=Contact.choices, default=Contact.PLATFORM
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The deal a broker made of this thread; the FK lives here so the deals app needs no migration.
    deal = models.ForeignKey(
        Deal, models.SET_NULL, null=True, blank=True, related_name="inquiry_threads", verbose_name=_("deal")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = _("inquiry thread")
        verbose_name_plural = _("inquiry threads")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key", "inquirer"],
                condition=Q(status="open"),
                name="inquiries_one_open_thread_per_org_and_listing",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="achievement", achievement__isnull=False)
                    | Q(kind="demand", demand__isnull=False)
                    | Q(kind="challenge", challenge__isnull=False)
                    | Q(kind="platform", platform__isnull=False)
                    | Q(kind="service", service__isnull=False)
                    | Q(kind="expert", expert__isnull=False)
                ),
                name="inquiries_thread_has_its_listing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self):
        return getattr(self, self.kind)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Message(models.Model):
    thread = models.ForeignKey(Thread, models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    # An inquiry (the first message, or a later inquiry of the same organization joining the thread);
    # the per-user rate limit counts these.
    is_inquiry = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["author", "is_inquiry", "created_at"])]

    def __str__(self) -> str:
        return self.body[:50]


def attachment_path(instance, filename: str) -> str:
    """`inquiries/YYYY/MM/<random>/<name>`: private (served by the thread's download view only)."""
    return unguessable(timezone.localdate().strftime("inquiries/%Y/%m"), filename)


class Attachment(models.Model):
    message = models.ForeignKey(Message, models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ReadReceipt(models.Model):
    """How far a person has read a thread: every message sent up to `read_at` counts as read by them."""

    thread = models.ForeignKey(Thread, models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="inquiries_one_receipt")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} at {self.read_at:%Y-%m-%d %H:%M}"


# The model of each kind of listing an inquiry can be about.
SUBJECT_MODELS = {
    "achievement": Achievement,
    "demand": Demand,
    "challenge": Challenge,
    "platform": Platform,
    "service": Service,
    "expert": Expert,
}
