from django.apps import AppConfig


class LinkageConfig(AppConfig):
    """Warm hand-offs to services with their closed loop, and the follow-up tasks (check-ins)."""

    name = "port.linkage"
    label = "linkage"

    def ready(self) -> None:
        from port.linkage import receivers  # noqa: F401  (connects the referral status receiver)
