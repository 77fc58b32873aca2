from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "port.api"
    label = "api"
