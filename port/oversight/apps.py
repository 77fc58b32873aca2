from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "port.oversight"
    label = "oversight"
