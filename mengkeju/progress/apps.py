from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    """我的成果 / 我的需求: how a publisher's listings fare (views, recommendations, deals, contracts).

    The catalog does not import this app: its detail page announces what it showed
    (`catalog.signals.listing_shown`) and the receiver counts it."""

    name = "mengkeju.progress"
    label = "progress"
    verbose_name = _("Listing progress")

    def ready(self):
        from mengkeju.catalog.signals import listing_shown

        from . import receivers

        listing_shown.connect(receivers.on_listing_shown, dispatch_uid="progress-counters")
