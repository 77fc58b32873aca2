"""Sessions are recorded at sign-in, so that disabling a person ends all of them at once.

The ending itself is done by the services that shut a person out (port/security/accounts.py:
user_deactivate, user_update, membership_update, memberships_delete), not by a signal.
"""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from port.security.models import UserSession
from port.security.services import (
    HAS_DEVICE_KEY,
    LAST_SEEN_KEY,
    STARTED_KEY,
    has_confirmed_device,
    session_record,
)


@receiver(user_logged_in)
def session_opened(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[STARTED_KEY] = now
    session[LAST_SEEN_KEY] = now
    # Known once per sign-in, so the two-factor check costs no query on each request.
    session[HAS_DEVICE_KEY] = has_confirmed_device(user)
    if session.session_key is None:
        session.save()
    session_record(user=user, session_key=session.session_key)


@receiver(user_logged_out)
def session_closed(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()
