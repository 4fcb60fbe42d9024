from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    """A subscription: notify the user when a newly published record matches this query."""

    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", _("achievements")
        DEMAND = "demand", _("demands")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_searches")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    query = models.CharField(_("query"), max_length=200)
    chain = models.CharField(_("industry chain"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "query", "chain"], name="saved_search_unique")
        ]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.query


class IndexChange(models.Model):
    """The index outbox: one row per changed record, written in the transaction that changed it.

    The index writer (`mengkeju worker`) applies unapplied rows in id order and marks them applied once
    the generation holding them is saved; a crash before that replays them (applying is idempotent: it
    reads the record's state at the time). `record` is a primary key, or `*` for "rebuild the kind"."""

    REBUILD = "*"

    kind = models.CharField(_("kind"), max_length=16)
    record = models.CharField(_("record"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["applied_at", "id"], name="index_change_pending"),
        ]
        verbose_name = _("index change")
        verbose_name_plural = _("index changes")

    def __str__(self) -> str:
        return f"{self.kind}:{self.record}"


class RecommendationEvent(models.Model):
    """An implicit judgment: a recommendation the owner of a listing was shown, or opened.

    Only the people the recommendation is for count: members of the organization owning the listing on
    whose page it was shown (a demand's enterprise looking at recommended achievements, a university at
    the demands recommended for its achievement). What they did next — an inquiry, a deal, a registered
    contract — is already on record in those apps; `judgments.collect` joins them at export time, so
    this table holds only what nothing else records. Append-only."""

    class Action(models.TextChoices):
        SHOWN = "shown", _("shown")
        OPENED = "opened", _("opened")

    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", _("achievement")
        DEMAND = "demand", _("demand")

    source_kind = models.CharField(_("page of"), max_length=16, choices=Kind.choices)
    source_id = models.PositiveBigIntegerField(_("listing"))
    target_kind = models.CharField(_("recommended"), max_length=16, choices=Kind.choices)
    target_id = models.PositiveBigIntegerField(_("recommended listing"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["source_kind", "source_id"], name="recommendation_source")]
        verbose_name = _("recommendation event")
        verbose_name_plural = _("recommendation events")

    def __str__(self) -> str:
        return f"{self.source_kind}:{self.source_id} → {self.target_kind}:{self.target_id} {self.action}"
