from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One run of a scheduled job for one period (a day): the unique pair makes sure that however many
    workers run, each day's job is enqueued once."""

    name = models.CharField(_("job"), max_length=64)
    period = models.CharField(_("period"), max_length=32)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        ordering = ["-enqueued_at"]
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="scheduled_run_once")]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return f"{self.name} {self.period}"
