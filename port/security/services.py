"""Two-factor sign-in, recovery codes, ending sessions, unlocking sign-in (docs/deployment.md)."""

import datetime as dt
import math
import re
from base64 import b32encode
from importlib import import_module

import qrcode
import qrcode.image.svg
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.accounts.models import Membership, User
from port.accounts.roles import IDENTITY_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.security.models import UserSession

# What the session remembers about its own sign-in (port.security.middleware).
STARTED_KEY = "security_started_at"
LAST_SEEN_KEY = "security_last_seen"
HAS_DEVICE_KEY = "security_has_device"

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
_SIX_DIGITS = re.compile(r"\d{6}")


# --- Who must use two-factor sign-in -----------------------------------------------------------


def two_factor_required(*, user: User, membership: Membership | None) -> bool:
    """Superusers and anyone acting in a role that can see participant identities."""
    return bool(user.is_superuser or (membership is not None and membership.role in IDENTITY_ROLES))


def enrol_deadline(user: User) -> dt.datetime:
    """When the grace period to set up two-factor sign-in ends, counted from the account's creation."""
    return user.date_joined + dt.timedelta(days=settings.OTP_ENROL_GRACE_DAYS)


def has_confirmed_device(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


# --- Enrolment ---------------------------------------------------------------------------------


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the person is setting up: the same one (and secret) on every reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str, *, label: str) -> SafeString:
    """A QR code as an inline SVG element: drawn by the page itself, nothing fetched from anywhere."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, border=4)
    svg = image.to_string(encoding="unicode")
    # Sized by the stylesheet (no style attributes under the CSP) and announced as one image.
    opening = format_html('<svg class="qr-code" role="img" aria-label="{}" focusable="false"', label)
    svg, replaced = re.subn(r'^<svg width="[^"]*" height="[^"]*"', opening, svg, count=1)
    if not replaced:
        raise ValueError("qrcode drew an SVG of an unexpected shape")
    # Everything else in it is qrcode's own drawing of `data` (rectangles and one path).
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, keep_session: str | None) -> list[str]:
    """Confirm the authenticator `device` (its code was checked), replacing any earlier one, and
    issue new recovery codes, returned once. The person's other sessions are ended: they were
    signed in with the sign-in rules of before."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _recovery_codes_replace(user=user)
    sessions_end(user=user, keep=keep_session)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        user=user,
        target_type="accounts.user",
        target_ids=[user.pk],
        note="two-factor sign-in set up",
    )
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Void the person's recovery codes and issue ten new ones, returned once."""
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            user=user,
            target_type="accounts.user",
            target_ids=[user.pk],
            note="recovery codes regenerated",
        )
    return codes


def _recovery_codes_replace(*, user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --- Checking a code ---------------------------------------------------------------------------


class CodeRefused(Exception):
    """The code was wrong, or codes may not be tried yet (`wait_seconds` > 0)."""

    def __init__(self, wait_seconds: int = 0) -> None:
        super().__init__("code refused")
        self.wait_seconds = wait_seconds


def normalize_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").lower()


def code_check(*, user: User, code: str, device: TOTPDevice | None = None) -> Device:
    """The device that accepts `code`: six digits are an authenticator code, anything else a recovery
    code (used up by this). With `device`, only that one is asked (enrolment). Raises CodeRefused."""
    code = normalize_code(code)
    with transaction.atomic():
        if device is not None:
            candidates = [TOTPDevice.objects.select_for_update().get(pk=device.pk)]
        elif _SIX_DIGITS.fullmatch(code):
            candidates = list(TOTPDevice.objects.devices_for_user(user).select_for_update())
        else:
            candidates = list(StaticDevice.objects.devices_for_user(user).select_for_update())
        for candidate in candidates:
            allowed, detail = candidate.verify_is_allowed()
            if not allowed:
                until = (detail or {}).get("locked_until") or timezone.now()
                raise CodeRefused(wait_seconds=max(1, math.ceil((until - timezone.now()).total_seconds())))
            if candidate.verify_token(code):
                return candidate
    raise CodeRefused()


# --- Sessions ----------------------------------------------------------------------------------


def session_record(*, user: User, session_key: str) -> None:
    """Remember that `session_key` belongs to `user`; forget their sessions too old to be alive."""
    too_old = timezone.now() - dt.timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)
    UserSession.objects.filter(user=user, created_at__lt=too_old).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user, "created_at": timezone.now()})


def sessions_end(*, user: User | int, keep: str | None = None) -> int:
    """End every session of `user` (but `keep`) at once, whatever device it is on."""
    user_id = user if isinstance(user, int) else user.pk
    rows = UserSession.objects.filter(user_id=user_id)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    if not keys:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


# --- What admins do ----------------------------------------------------------------------------


def _audit_admin(*, actor: User, membership: Membership | None, user: User, note: str) -> None:
    by = membership if membership is not None and membership.user_id == actor.pk else None
    audit_record(
        action=AuditEvent.Action.UPDATE,
        by=by,
        user=None if by else actor,
        target_type="accounts.user",
        target_ids=[user.pk],
        note=note,
    )


@transaction.atomic
def two_factor_reset(*, user: User, actor: User, membership: Membership | None = None) -> None:
    """Remove the person's authenticator and recovery codes (a lost phone) and sign them out
    everywhere; they set up two-factor sign-in again at their next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    sessions_end(user=user)
    _audit_admin(actor=actor, membership=membership, user=user, note="two-factor sign-in reset by an admin")


def sign_in_unlock(*, user: User, actor: User, membership: Membership | None = None) -> int:
    """Lift a lockout of the person's username (from every address) before its cool-off ends."""
    removed = axes_reset(username=user.get_username())
    _audit_admin(actor=actor, membership=membership, user=user, note="sign-in lockout lifted by an admin")
    return removed
