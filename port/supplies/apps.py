from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "port.supplies"
    label = "supplies"
