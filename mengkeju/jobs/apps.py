from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """The worker process, its schedule and what operators see of it: /healthz and /jobs/."""

    name = "mengkeju.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
