from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "port.outreach"
    label = "outreach"
