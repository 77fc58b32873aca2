from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.accounts.models import User
from port.security.services import CodeRefused, code_check


def wait_in_words(seconds: int) -> str:
    """A wait as a person says it: "1 second", "15 minutes", "2 hours" (rounded up)."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 3600:
        minutes = -(-seconds // 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = -(-seconds // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


class CodeForm(forms.Form):
    """A code from the authenticator app or, when signing in, one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, user: User, device: TOTPDevice | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.device = user, device
        self.accepted_by = None
        if device is not None:
            self.fields["code"].help_text = _("The 6-digit code your app shows now.")
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
        else:
            # The code page is short: the cursor can start in its only field.
            self.fields["code"].widget.attrs["autofocus"] = True
            self.fields["code"].help_text = _(
                "The 6-digit code your authenticator app shows now, or one of your recovery codes."
            )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        try:
            self.accepted_by = code_check(user=self.user, code=code, device=self.device)
        except CodeRefused as refused:
            if refused.wait_seconds:
                # Only while django-otp's wait after a wrong code is really in force (1 s after one
                # wrong code, doubling after each further one).
                raise ValidationError(
                    gettext(
                        "That code was not checked: after a wrong code PORT waits a moment before it checks "
                        "another, so codes cannot be guessed. Try again in %(wait)s with the newest code your "
                        "app shows."
                    )
                    % {"wait": wait_in_words(refused.wait_seconds)},
                    code="throttled",
                ) from None
            if self.device is not None:
                message = _(
                    "That code is not right. Check the app shows PORT and your username, and type the "
                    "newest code it shows; codes change every 30 seconds. If new codes keep failing, "
                    "check that your phone sets its clock automatically."
                )
            else:
                message = _(
                    "That code is not right. Type the newest code your authenticator app shows (codes "
                    "change every 30 seconds), or an unused recovery code. If new codes keep failing, "
                    "check that your phone sets its clock automatically."
                )
            raise ValidationError(message, code="wrong") from None
        return code
