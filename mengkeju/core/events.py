"""The append-only base for records of what happened: history events, reports, receipts, statements.

A row is written once. `save()` of a stored row, `delete()`, and the QuerySet's `update()` and
`delete()` (so also `bulk_update`, and the related managers: `deal.events.update(…)`) refuse with
`AppendOnlyError` and change nothing. Foreign keys from these rows to their subject and to the
person who acted use PROTECT, so deleting a subject or a person that has history is refused as well.

A deliberate change of recorded rows (the demo backdating its story, an operator's data fix) goes
through the one named escape hatch, `QuerySet.correct(values, reason=…)`, which logs what it did
(at INFO level: the demo backdates hundreds of rows).
Nothing deletes recorded rows through the ORM.

History rows derive from `Event`: who acted (`actor`, None for the system or an anonymous visitor)
and when it was recorded (`at`). They are written by `Model.objects.record(by=…, **fields)` (or a
related manager: `deal.events.record(kind=…, by=user)`), which turns the acting user into the actor
in one place. It is a manager method, not a classmethod, because a model may have a field named
`record` (PointsEvent.record, the enterprise-year it concerns).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class AppendOnlyError(ValidationError):
    """Someone tried to change or delete a record of what happened."""

    def __init__(self, model: type[models.Model]):
        super().__init__(
            _("%(records)s are append-only: they are never changed or deleted."),
            code="append_only",
            params={"records": capfirst(model._meta.verbose_name_plural)},
        )


def acting_user(user):
    """The user to store as the actor: None for nobody, an anonymous visitor or the system."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(self.model)

    def delete(self):
        raise AppendOnlyError(self.model)

    delete.queryset_only = True

    def correct(self, values: dict, *, reason: str) -> int:
        """The escape hatch: deliberately set `values` on the recorded rows, saying why (logged).
        Returns how many rows changed."""
        if not (reason or "").strip():
            raise ValueError("A correction of append-only records needs a reason.")
        changed = super().update(**values)
        logger.info(
            "corrected %d %s row(s), set %s: %s", changed, self.model._meta.label, sorted(values), reason
        )
        return changed


class AppendOnlyModel(models.Model):
    """A record of something that happened: written once, never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError(type(self))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(type(self))


class EventManager(models.Manager.from_queryset(AppendOnlyQuerySet)):
    def record(self, *, by=None, **fields):
        """Write one history row; `by` is the acting user (None or anonymous: no actor). On a related
        manager (`deal.events.record(…)`) the subject is filled in, as with `create`."""
        return self.create(actor=acting_user(by), **fields)


class Event(AppendOnlyModel):
    """One step of a subject's history: what happened (the subclass's fields), who did it, and when.

    Subclasses point at their subject with `models.PROTECT` and order by `["at", "id"]`.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = EventManager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]
