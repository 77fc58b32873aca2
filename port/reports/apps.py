from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "port.reports"
    label = "reports"
