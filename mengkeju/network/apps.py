from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "mengkeju.network"
    label = "network"
    verbose_name = _("Service network")

    def ready(self):
        from mengkeju.core import clock

        from . import signals  # noqa: F401  (connects the token revocation on password change)
        from .selectors import region_timezone_name

        clock.set_timezone_source(region_timezone_name)
