from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from port.accounts.models import User
from port.security.services import CodeRefused, code_check


class CodeForm(forms.Form):
    """A code from the authenticator app or, when signing in, one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, device: TOTPDevice | None = None, **kwargs) -> None:
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
                "The 6-digit code your authenticator app shows now, or one of your recovery codes.")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        try:
            self.accepted_by = code_check(user=self.user, code=code, device=self.device)
        except CodeRefused as refused:
            if refused.wait_seconds:
                raise ValidationError(ngettext(
                    "Too many wrong codes. Wait %(seconds)d second, then try again.",
                    "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                    refused.wait_seconds) % {"seconds": refused.wait_seconds}, code="throttled") from None
            if self.device is not None:
                message = _("That code is not right. Check the app shows PORT and your username, and type "
                            "the code it shows now; codes change every 30 seconds.")
            else:
                message = _("That code is not right. Type the code your authenticator app shows now, or an "
                            "unused recovery code.")
            raise ValidationError(message, code="wrong") from None
        return code
