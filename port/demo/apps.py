from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "port.demo"
    label = "demo"
