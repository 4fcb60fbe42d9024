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
