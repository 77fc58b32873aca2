"""Sign-in rules applied to every request, so that no view can forget them.

See docs/deployment.md, "Sign-in and sessions".

- SessionTimeoutMiddleware signs a person out after their program's idle timeout and after the
  absolute session lifetime, whichever comes first.
- TwoFactorMiddleware sends a person who has an authenticator but has not given a code this session
  to the code page, and a person who must use two-factor sign-in but has not set it up, once the
  grace period is over, to the set-up page.
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from port.core.redirects import return_path
from port.security.models import UserSession
from port.security.services import (
    HAS_DEVICE_KEY,
    LAST_SEEN_KEY,
    STARTED_KEY,
    enrol_deadline,
    has_confirmed_device,
    session_record,
    two_factor_required,
)

# Last activity is written to the session at most this often: not a database write per request.
ACTIVITY_RESOLUTION_SECONDS = 60


def redirect_for(request: HttpRequest, url: str, *, keep_next: bool = True) -> HttpResponse:
    """Redirect to `url`, coming back here afterwards (for a page, not a form post); htmx follows
    with a full page load instead of swapping the target page into a fragment."""
    if keep_next and request.method == "GET":
        url = f"{url}?{urlencode({'next': return_path(request)})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def idle_minutes(request: HttpRequest) -> int:
    membership = getattr(request, "membership", None)
    if membership is not None:
        return membership.program.idle_timeout_minutes
    return settings.SESSION_IDLE_MINUTES


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self.expired(request)
            if expired:
                logout(request)
                messages.warning(request, expired)
                return redirect_for(request, reverse("login"))
        key_before = request.session.session_key
        response = self.get_response(request)
        key_after = request.session.session_key
        if key_after != key_before and key_after and request.user.is_authenticated:
            # A new key for the same sign-in (a changed password): keep it findable for sessions_end().
            UserSession.objects.filter(session_key=key_before).delete()
            session_record(user=request.user, session_key=key_after)
        return response

    def expired(self, request: HttpRequest) -> str:
        """Why the session is over ("" if it is not), after noting this request as activity."""
        session, now = request.session, time.time()
        started, last_seen = session.get(STARTED_KEY), session.get(LAST_SEEN_KEY)
        if started is None or last_seen is None:
            # A session from before these rules: its clocks start now.
            session[STARTED_KEY] = session[LAST_SEEN_KEY] = now
            return ""
        hours = settings.SESSION_ABSOLUTE_HOURS
        if now - started > hours * 3600:
            return ngettext(
                "You were signed out because a sign-in lasts at most %(hours)d hour. Please sign in again.",
                "You were signed out because a sign-in lasts at most %(hours)d hours. Please sign in again.",
                hours,
            ) % {"hours": hours}
        minutes = idle_minutes(request)
        if now - last_seen > minutes * 60:
            return ngettext(
                "You were signed out after %(minutes)d minute without activity.",
                "You were signed out after %(minutes)d minutes without activity.",
                minutes,
            ) % {"minutes": minutes}
        if now - last_seen >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_SEEN_KEY] = now
        return ""


# Pages a person reaches before (or without) giving a code: signing in and out, resetting a
# password, setting up and checking two-factor sign-in, the public ask-for-help page, the admin's
# own sign-in page, the favicon. The token API does not use sessions at all.
EXEMPT_VIEW_NAMES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "security:enrol",
        "security:verify",
        "admin:login",
        "admin:logout",
        "favicon",
    }
)
EXEMPT_NAMESPACES = frozenset({"public"})
EXEMPT_PATH_PREFIXES = ("/api/",)


def is_exempt(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is not None:
        if match.view_name in EXEMPT_VIEW_NAMES or EXEMPT_NAMESPACES.intersection(match.namespaces):
            return True
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    return request.path_info.startswith((*EXEMPT_PATH_PREFIXES, static_url))


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified() or is_exempt(request):
            return None
        has_device = request.session.get(HAS_DEVICE_KEY)
        if has_device is None:
            has_device = request.session[HAS_DEVICE_KEY] = has_confirmed_device(user)
        if has_device:
            return redirect_for(request, reverse("security:verify"))
        membership = getattr(request, "membership", None)
        if two_factor_required(user=user, membership=membership) and timezone.now() >= enrol_deadline(user):
            return redirect_for(request, reverse("security:enrol"))
        return None
