from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    """The talent pool (人才库) with its tiers and programmes, and talent exchange (人才交流) between
    universities, institutes and enterprises. docs/talent.md."""

    name = "mengkeju.talent"
    label = "talent"
    verbose_name = _("Talent")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from mengkeju.matching.adapter import register_resource_kind
        from mengkeju.matching.receivers import on_directory_changed

        from .matching import person_documents
        from .models import Person

        # People of the talent pool join the matching engine's resource index as `person:<pk>`.
        register_resource_kind("person", Person, person_documents)
        post_save.connect(on_directory_changed, sender=Person, dispatch_uid="talent-person-save")
        post_delete.connect(on_directory_changed, sender=Person, dispatch_uid="talent-person-delete")
        m2m_changed.connect(
            on_directory_changed, sender=Person.chain_links.through, dispatch_uid="talent-person-links"
        )
