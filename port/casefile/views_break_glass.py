"""Break-the-glass pages: a supervisor states a reason and exactly whom they need, sees exact matches in
the installation's other programs, and opens one (port.participants.break_glass). Everything travels in
POST bodies, never in URLs: the reason and the person's name are both sensitive."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from port.accounts.access import membership_required
from port.accounts.http import MemberRequest
from port.accounts.models import Program
from port.accounts.roles import SUPERVISING_ROLES
from port.participants.break_glass import (
    BREAK_GLASS_MINUTES,
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    BreakGlassRefused,
    BreakGlassRequest,
    break_glass_open,
    break_glass_search,
)
from port.participants.models import Participant

supervisors_only = membership_required(SUPERVISING_ROLES)


class BreakGlassForm(forms.Form):
    """The reason and exactly whom; dates are checked on the viewer's program's calendar."""

    reason = forms.CharField(
        label=gettext_lazy("Why you need this record"),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
        help_text=gettext_lazy(
            "For example: “Referred to us today; she says she was followed by the Hilltop team "
            "last year.” Your reason is recorded with everything you open and is reviewed."
        ),
        error_messages={
            "required": gettext_lazy("Give the reason you need a record outside your program."),
            "min_length": gettext_lazy(
                "Give the reason in at least %(limit_value)d characters (you wrote %(show_value)d)."
            ),
            "max_length": gettext_lazy("Keep the reason to %(limit_value)d characters."),
        },
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name, exactly as on their record"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Give the person's first name.")},
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name, exactly as on their record"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Give the person's last name.")},
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("YYYY-MM-DD or MM/DD/YYYY."),
        error_messages={
            "required": gettext_lazy("Give the person's date of birth."),
            "invalid": gettext_lazy("Write the date of birth as YYYY-MM-DD or MM/DD/YYYY."),
        },
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_date_of_birth(self) -> dt.date:
        value = self.cleaned_data["date_of_birth"]
        if value > self.program.today():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return value

    def to_request(self) -> BreakGlassRequest:
        data = self.cleaned_data
        return BreakGlassRequest(
            reason=data["reason"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
        )


class OpenForm(BreakGlassForm):
    participant = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("Choose the record to open."),
            "invalid": gettext_lazy("Choose the record to open."),
        },
    )


def _page(
    request: HttpRequest, form: BreakGlassForm, matches: Sequence[Participant] | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "casefile/break_glass.html",
        {
            "form": form,
            "matches": matches,
            "minutes": BREAK_GLASS_MINUTES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@supervisors_only
def break_glass(request: MemberRequest) -> HttpResponse:
    """The reason and the exact name and date of birth; on POST, the exact matches in other programs."""
    if request.method == "GET":
        return _page(request, BreakGlassForm(program=request.membership.program))
    form = BreakGlassForm(request.POST, program=request.membership.program)
    if not form.is_valid():
        return _page(request, form)
    try:
        matches = break_glass_search(viewer=request.membership, request=form.to_request())
    except BreakGlassRefused as refused:
        form.add_error(None, str(refused))
        return _page(request, form)
    return _page(request, form, matches=matches)


@require_POST
@supervisors_only
def break_glass_open_view(request: MemberRequest) -> HttpResponse:
    """Open one of the matches: a grant for BREAK_GLASS_MINUTES, then the record's page."""
    form = OpenForm(request.POST, program=request.membership.program)
    if not form.is_valid():
        return _page(request, form)
    try:
        grant = break_glass_open(
            viewer=request.membership, request=form.to_request(), public_id=form.cleaned_data["participant"]
        )
    except BreakGlassRefused as refused:
        form.add_error(None, str(refused))
        return _page(request, form)
    messages.warning(
        request,
        _("You opened a record of another program. Your access ends in %(minutes)d minutes and is flagged for review.")
        % {"minutes": BREAK_GLASS_MINUTES},
    )
    return redirect("participants:detail", public_id=grant.participant.public_id)
