"""For tests: a client signed in as someone who has set up two-factor sign-in and given a code, and
two-factor sign-in set up directly."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.accounts.models import User
from port.security.services import two_factor_enrol


def verified_client(user: User) -> Client:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def enrolled(user: User) -> list[str]:
    """Set up two-factor sign-in for `user` directly; returns the recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return two_factor_enrol(user=user, device=device, keep_session=None)
