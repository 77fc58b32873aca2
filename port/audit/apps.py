from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "port.audit"
    label = "audit"

    def ready(self) -> None:
        from port.audit import signals  # noqa: F401
