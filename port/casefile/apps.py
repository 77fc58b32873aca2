from django.apps import AppConfig


class CasefileConfig(AppConfig):
    name = "port.casefile"
    label = "casefile"
