from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mengkeju.core"
    label = "core"
    verbose_name = "core"
