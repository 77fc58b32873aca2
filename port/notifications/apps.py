from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "port.notifications"
    label = "notifications"
