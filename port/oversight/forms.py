"""Forms of the audit trail pages: whose trail to read, and a break-the-glass review."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Membership, User
from port.core.forms import form_field
from port.oversight.selectors import trail_users
from port.oversight.services import REVIEW_NOTE_MAX

DEFAULT_DAYS = 30
# A year at a time keeps a page and an export to a size a person can read.
MAX_DAYS = 366


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class UserTrailForm(forms.Form):
    user = UserChoiceField(
        queryset=User.objects.none(),
        label=_("Person"),
        empty_label=_("Choose a person"),
        error_messages={"invalid_choice": _("Choose a person from the list.")},
    )
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, e.g. 2026-03-01.")},
    )
    end = forms.DateField(
        label=_("To (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, e.g. 2026-03-31.")},
    )

    def __init__(self, *args: Any, viewer: Membership, today: dt.date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start": today - dt.timedelta(days=DEFAULT_DAYS - 1), "end": today})
        super().__init__(*args, **kwargs)
        form_field(self, "user", forms.ModelChoiceField).queryset = trail_users(viewer=viewer)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", _("Choose at most %(days)d days at a time.") % {"days": MAX_DAYS})
        return cleaned


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What you found"),
        max_length=REVIEW_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was the access needed? e.g. “Covering a colleague's crisis call; appropriate.”"),
        error_messages={
            "required": _("Write what you found before marking the access reviewed."),
            "max_length": _("Keep the note to %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
