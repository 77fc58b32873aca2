from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "port.consent"
    label = "consent"
