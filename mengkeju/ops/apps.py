from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: `mengkeju backup` and `mengkeju restore` (no models of its own)."""

    name = "mengkeju.ops"
    label = "ops"
    verbose_name = _("Operations")
