from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "port.core"
    label = "core"
