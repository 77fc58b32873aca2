from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "port.core"
    label = "core"

    def ready(self) -> None:
        from port.core import checks  # noqa: F401  (registers the system checks)
