from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Sign-in and sessions: two-factor sign-in, lockout, timeouts, ending sessions (docs/deployment.md)."""

    name = "port.security"
    label = "security"

    def ready(self) -> None:
        from port.security import signals  # noqa: F401 (connects the receivers)
