"""Admin actions on users (port.accounts.admin.UserAdmin): reset two-factor sign-in, lift a lockout.

A program admin may use them on the users they may change (only in programs they administer);
every use is in the audit trail and the object's admin history.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from port.security.services import sign_in_unlock, two_factor_reset


def _changeable(model_admin, request: HttpRequest, queryset: QuerySet) -> tuple[list, int]:
    users = [user for user in queryset if model_admin.has_change_permission(request, user)]
    return users, queryset.count() - len(users)


def _report_skipped(request: HttpRequest, skipped: int) -> None:
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d user was skipped: they also work in another program, or are an operator.",
                "%(count)d users were skipped: they also work in another program, or are operators.",
                skipped,
            )
            % {"count": skipped},
        )


@admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
def reset_two_factor(model_admin, request: HttpRequest, queryset: QuerySet) -> None:
    users, skipped = _changeable(model_admin, request, queryset)
    for user in users:
        two_factor_reset(user=user, actor=request.user, membership=getattr(request, "membership", None))
        model_admin.log_change(request, user, gettext("Two-factor sign-in reset."))
    if users:
        messages.success(
            request,
            ngettext(
                "Reset two-factor sign-in of %(count)d user. They were signed out and will set it up again when they "
                "next sign in.",
                "Reset two-factor sign-in of %(count)d users. They were signed out and will set it up again when they "
                "next sign in.",
                len(users),
            )
            % {"count": len(users)},
        )
    _report_skipped(request, skipped)


@admin.action(description=_("Unlock sign-in (after too many wrong passwords)"), permissions=["change"])
def unlock_sign_in(model_admin, request: HttpRequest, queryset: QuerySet) -> None:
    users, skipped = _changeable(model_admin, request, queryset)
    for user in users:
        sign_in_unlock(user=user, actor=request.user, membership=getattr(request, "membership", None))
        model_admin.log_change(request, user, gettext("Sign-in unlocked."))
    if users:
        messages.success(
            request,
            ngettext("Unlocked sign-in of %(count)d user.", "Unlocked sign-in of %(count)d users.", len(users))
            % {"count": len(users)},
        )
    _report_skipped(request, skipped)
