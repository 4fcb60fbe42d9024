from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "mengkeju.challenges"
    verbose_name = _("Open challenges (揭榜挂帅)")
