"""Setting up and using two-factor sign-in, recovery codes, and the lockout page."""

import datetime as dt
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from port.accounts.access import login_required
from port.accounts.http import AuthenticatedRequest
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.core.redirects import safe_next
from port.security.forms import CodeForm
from port.security.services import (
    HAS_DEVICE_KEY,
    enrol_deadline,
    has_confirmed_device,
    qr_svg,
    recovery_codes_regenerate,
    totp_device_for_enrolment,
    totp_secret,
    two_factor_enrol,
    two_factor_required,
)


def _recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@login_required
def two_factor(request: AuthenticatedRequest) -> HttpResponse:
    """The person's two-factor sign-in: set it up, or see it is on and get new recovery codes."""
    user = request.user
    enrolled = has_confirmed_device(user)
    return render(
        request,
        "security/two_factor.html",
        {
            "enrolled": enrolled,
            "codes_left": _recovery_codes_left(user) if enrolled else 0,
            "required": two_factor_required(user=user, membership=request.membership),
            "deadline": enrol_deadline(user),
        },
    )


@never_cache
@login_required
def enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: type the setup key (or scan the QR code from another device), confirm
    with a code, then see ten recovery codes, once. Someone already using two-factor sign-in must give a code first."""
    user = request.user
    if has_confirmed_device(user) and not user.is_verified():
        return redirect(f"{reverse('security:verify')}?next={reverse('security:enrol')}")
    device = totp_device_for_enrolment(user=user)
    form = CodeForm(request.POST or None, user=user, device=device)
    if request.method == "POST" and form.is_valid():
        codes = two_factor_enrol(user=user, device=device, keep_session=request.session.session_key)
        otp_login(request, device)
        request.session[HAS_DEVICE_KEY] = True
        return render(
            request,
            "security/recovery_codes.html",
            {"codes": codes, "next": safe_next(request, reverse("home")), "first_time": True},
        )
    deadline = enrol_deadline(user)
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url, label=gettext("QR code to scan with your authenticator app")),
            "secret": totp_secret(device),
            "secret_plain": totp_secret(device).replace(" ", ""),
            "next": safe_next(request, ""),
            "required": two_factor_required(user=user, membership=request.membership),
            "deadline": deadline,
            "overdue": deadline <= timezone.now(),
        },
    )


@never_cache
@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code.

    Wrong codes count as failed sign-ins, towards the same lockout as wrong passwords."""
    user = request.user
    if user.is_verified():
        return redirect(safe_next(request, reverse("home")))
    if not has_confirmed_device(user):
        return redirect(safe_next(request, reverse("home")))
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return locked_out(request, None, credentials)
    form = CodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            device = form.accepted_by
            otp_login(request, device)
            request.session[HAS_DEVICE_KEY] = True
            used_recovery_code = isinstance(device, StaticDevice)
            audit_record(
                action=AuditEvent.Action.LOGIN,
                user=user,
                note="recovery code used" if used_recovery_code else "authenticator code given",
            )
            if used_recovery_code:
                return render(
                    request,
                    "security/recovery_code_used.html",
                    {"codes_left": _recovery_codes_left(user), "next": safe_next(request, reverse("home"))},
                )
            return redirect(safe_next(request, reverse("home")))
        if form.has_error("code", "wrong"):
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)
                return locked_out(request, None, credentials)
    return render(request, "security/verify.html", {"form": form, "next": safe_next(request, reverse("home"))})


@never_cache
@login_required
@require_POST
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Void the old recovery codes and show ten new ones, once."""
    user = request.user
    if not user.is_verified():
        return redirect("security:two_factor")
    codes = recovery_codes_regenerate(user=user)
    return render(
        request,
        "security/recovery_codes.html",
        {"codes": codes, "next": reverse("security:two_factor"), "first_time": False},
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): says plainly when to try again."""
    cool_off = get_cool_off(request) or dt.timedelta(minutes=15)
    username = get_client_username(request, credentials)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(at=Max("attempt_time"))["at"]
    now = timezone.now()
    remaining = (last_failure or now) + cool_off - now
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return render(request, "security/locked_out.html", {"minutes": minutes}, status=429)
