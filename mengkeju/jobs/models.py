from django.conf import settings
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


class JobRun(models.Model):
    """A long piece of work a person started from a page and watches: what it is, who started it, how
    far it got (written by the job on a second connection, see progress.py) and what came of it."""

    class Kind(models.TextChoices):
        POINTS_IMPORT = "points_import", _("innovation-points data import")
        POINTS_RECOMPUTE = "points_recompute", _("innovation-points recomputation")
        CATALOG_IMPORT = "catalog_import", _("achievements/demands import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=255, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True, db_index=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "network.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)  # in plain words, shown to the person
    error_detail = models.TextField(_("error detail"), blank=True)  # exception class and text, for admins
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class JobFile(models.Model):
    """An uploaded file waiting for its job: kept in the database (never under the public /media/),
    readable by whichever machine runs the worker, deleted when the job has finished."""

    run = models.OneToOneField(JobRun, on_delete=models.CASCADE, related_name="upload")
    name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return self.name
