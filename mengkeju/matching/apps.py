from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """The adapter between the catalog and the matching engine: keeps the index in step, answers matches."""

    name = "mengkeju.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from mengkeju.catalog.signals import listings_changed

        from . import adapter

        listings_changed.connect(adapter.on_listings_changed, dispatch_uid="matching-index")
