from typing import Any

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request (every page that signs
    people in passes one). A password checked without a request (the shell, a management command)
    has no address to lock out and goes straight on to the next backend, instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs: Any):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
