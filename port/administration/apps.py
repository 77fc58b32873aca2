from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    """The admin for programs (with their set-up), agencies, users, memberships and API tokens."""

    name = "port.administration"
    label = "administration"
