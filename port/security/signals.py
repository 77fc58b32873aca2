"""Sessions are recorded at sign-in, so that disabling a person ends all of them at once."""

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from port.accounts.models import Membership, User
from port.security.models import UserSession
from port.security.services import (
    HAS_DEVICE_KEY,
    LAST_SEEN_KEY,
    STARTED_KEY,
    has_confirmed_device,
    session_record,
    sessions_end,
)


@receiver(user_logged_in)
def session_opened(sender, request, user, **kwargs: Any) -> None:
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
def session_closed(sender, request, user, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@receiver(post_save, sender=User)
def user_disabled(sender, instance: User, update_fields=None, **kwargs: Any) -> None:
    if update_fields is not None and "is_active" not in update_fields:
        return
    if not instance.is_active:
        sessions_end(user=instance)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_ended(sender, instance: Membership, **kwargs: Any) -> None:
    """A person whose last active membership ends is signed out everywhere (operators excepted)."""
    if instance.is_active and kwargs.get("signal") is post_save:
        return
    if Membership.objects.filter(user_id=instance.user_id, is_active=True).exists():
        return
    if User.objects.filter(pk=instance.user_id, is_superuser=True).exists():
        return
    sessions_end(user=instance.user_id)
