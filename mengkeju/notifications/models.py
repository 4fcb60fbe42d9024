from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one person, with the page it is about."""

    class Kind(models.TextChoices):
        SAVED_SEARCH = "saved_search", _("new match for a saved search")
        REVIEW = "review", _("review of a listing")
        ORGANIZATION = "organization", _("organization and membership")
        INQUIRY = "inquiry", _("inquiry")
        DEAL = "deal", _("deal")
        CONTRACT = "contract", _("technical contract")
        LICENCE = "licence", _("licence")
        CHALLENGE = "challenge", _("open challenge")
        OTHER = "other", _("other")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(max_length=300)
    # Set when the same thing must reach a person once only (a saved search and a record): unique
    # together with the person and the page.
    dedupe_key = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent by e-mail too (the worker's job)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key", "url"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_key_and_url",
            )
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.message


class Preference(models.Model):
    """How one person wants one kind of notification: e-mailed at once (the default when no row
    exists), gathered into one daily digest e-mail, or not at all (no in-app row either)."""

    class Mode(models.TextChoices):
        IMMEDIATELY = "immediately", _("immediately")
        DIGEST = "digest", _("daily digest")
        OFF = "off", _("off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Notification.Kind.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.IMMEDIATELY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.mode}"
