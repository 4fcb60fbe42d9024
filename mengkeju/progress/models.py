"""Counters of how often a listing was seen: one row per listing per day, never one per request."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("achievement")
    DEMAND = "demand", _("demand")


class ListingDailyCount(models.Model):
    """How many times a listing's page was viewed, and how many times it was shown among the
    recommendations of another listing's page, on one day (region time), by people outside the
    owner organization and the network staff. Incremented in the database (`F() + 1`)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ListingKind.choices)
    # The achievement's or demand's primary key (kind says which table); listings are never deleted.
    listing_id = models.PositiveBigIntegerField(_("listing"))
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)
    recommended = models.PositiveIntegerField(_("times recommended"), default=0)

    class Meta:
        ordering = ["-day", "kind", "listing_id"]
        verbose_name = _("daily listing count")
        verbose_name_plural = _("daily listing counts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "listing_id", "day"], name="progress_one_count_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.listing_id} {self.day}: {self.views}/{self.recommended}"
