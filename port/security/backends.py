from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from port.accounts.models import User


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request (every page that signs
    people in passes one). A password checked without a request (the shell, a management command)
    has no address to lock out and goes straight on to the next backend, instead of failing."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
