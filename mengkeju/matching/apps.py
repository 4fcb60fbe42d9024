from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """The adapter between the catalog and the matching engine: keeps the index in step, answers matches.

    The catalog does not import this app: it announces changes (`catalog.signals`) and asks its
    installed matchmaker (`catalog.hooks`) for rankings, recommendations and the duplicate check."""

    name = "mengkeju.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from mengkeju.catalog.hooks import install_matchmaker
        from mengkeju.catalog.signals import listing_shown, listings_changed

        from . import receivers, selectors

        listings_changed.connect(receivers.on_listings_changed, dispatch_uid="matching-index")
        listing_shown.connect(receivers.on_listing_shown, dispatch_uid="matching-judgments")
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from mengkeju.catalog.models import Expert, Platform, Service

        for model in (Expert, Platform, Service):
            uid = f"matching-resource-{model._meta.model_name}"
            post_save.connect(receivers.on_directory_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(receivers.on_directory_changed, sender=model, dispatch_uid=f"{uid}-delete")
            m2m_changed.connect(
                receivers.on_directory_changed, sender=model.chain_links.through, dispatch_uid=f"{uid}-links"
            )
        install_matchmaker(selectors.CatalogMatchmaker())
