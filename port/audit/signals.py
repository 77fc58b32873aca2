"""Sign-in, failed sign-in and sign-out are audited, each with the address it came from.

The middleware (port.audit.middleware) sets the request's origin for everything a view does; these
receivers fall back to the request Django hands them, for sign-ins outside it (django-axes's backend,
a test's RequestFactory, a sign-in view mounted before the middleware).
"""

import contextlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from port.audit.context import audit_context, current_origin
from port.audit.models import AuditEvent
from port.audit.services import audit_record


def _origin_of(request):
    """The request's path and address for the entry, unless the middleware already set them."""
    if request is None or current_origin() is not None:
        return contextlib.nullcontext()
    return audit_context(request)


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs: Any) -> None:
    with _origin_of(request):
        audit_record(action=AuditEvent.Action.LOGIN, user=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs: Any) -> None:
    if user is not None:
        with _origin_of(request):
            audit_record(action=AuditEvent.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs: Any) -> None:
    # The attempted username is kept to spot guessing; passwords are never in `credentials` here
    # (Django masks them). If it names an account, the entry is filed under that account too, so
    # "what did this user do" shows the failed tries against it.
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or "")
    # Usernames are unique whatever their case (the admin's user form), so this finds at most one.
    account = User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).first() if username else None
    note = username[:150]
    # django-axes refuses sign-ins while a username is locked out, and says so on the request.
    if request is not None and getattr(request, "axes_locked_out", False):
        note = f"{note} (refused: locked out after repeated failures)"
    with _origin_of(request):
        audit_record(action=AuditEvent.Action.LOGIN_FAILED, user=account, note=note)
