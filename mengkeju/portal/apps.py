from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The web front: home, workspace, shared templates and the API root."""

    name = "mengkeju.portal"
    label = "portal"
    verbose_name = _("Portal")
