"""Forms for the queues and the referral page: filters, assignment and status changes."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.models import AcuityLevel, Membership
from port.core.forms import form_field
from port.core.names import display_name
from port.referrals.models import CLOSING_REASONS_OFFERED, OPEN_STATUSES, Source, Status
from port.referrals.selectors import QueueFilters

UNASSIGNED = "unassigned"


def member_label(member: Membership) -> str:
    return f"{display_name(member.user)} ({member.get_role_display()})"


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string. A value it does not know is ignored, not fatal."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    source = forms.ChoiceField(label=gettext_lazy("Source"), required=False)
    acuity = forms.ChoiceField(label=gettext_lazy("Acuity"), required=False)
    assigned = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(
        self,
        *args: Any,
        acuity_levels: Sequence[AcuityLevel],
        members: Sequence[Membership],
        show_assigned: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _("Any"))
        form_field(self, "status", forms.ChoiceField).choices = [anything] + [(s.value, s.label) for s in OPEN_STATUSES]
        form_field(self, "source", forms.ChoiceField).choices = [anything, *Source.choices]
        form_field(self, "acuity", forms.ChoiceField).choices = [anything] + [
            (level.code, level.label) for level in acuity_levels
        ]
        if show_assigned:
            form_field(self, "assigned", forms.ChoiceField).choices = [
                ("", _("Anyone")),
                (UNASSIGNED, _("Nobody yet")),
            ] + [(str(m.user_id), member_label(m)) for m in members]
        else:
            # "My queue" is already one person's.
            del self.fields["assigned"]

    def queue_filters(self) -> tuple[QueueFilters, list[str]]:
        """The filters to apply, and a message for each value that was ignored. Call after is_valid()."""
        ignored = [
            _("The “%(filter)s” filter was ignored: “%(value)s” is not one of its choices.")
            % {"filter": self.fields[name].label, "value": str(self.data.get(name, ""))[:40]}
            for name in self.errors
        ]
        cleaned = self.cleaned_data
        assigned = cleaned.get("assigned", "")
        filters = QueueFilters(
            status=cleaned.get("status", ""),
            source=cleaned.get("source", ""),
            acuity=cleaned.get("acuity", ""),
            assigned_to=0 if assigned == UNASSIGNED else (int(assigned) if assigned else None),
            overdue_only=bool(cleaned.get("overdue")),
        )
        return filters, ignored

    def valid_values(self) -> dict:
        """What the user chose, minus what was ignored: the initial values of the form shown back."""
        return {name: value for name, value in self.cleaned_data.items() if value}


class AssignForm(forms.Form):
    """Whom to assign a referral to, chosen from the program's assignable members (already loaded)."""

    assignee = forms.ChoiceField(
        label=gettext_lazy("Assign to"),
        error_messages={
            "required": gettext_lazy("Choose who should work on this referral."),
            "invalid_choice": gettext_lazy(
                "That person cannot be assigned referrals in this program. Choose someone from the list."
            ),
        },
    )

    def __init__(self, *args: Any, members: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        form_field(self, "assignee", forms.ChoiceField).choices = [("", _("Choose a person"))] + [
            (pk, member_label(m)) for pk, m in self.members.items()
        ]

    def clean_assignee(self) -> Membership:
        return self.members[self.cleaned_data["assignee"]]


class TransitionForm(forms.Form):
    """A status change asked for on the referral page; the workflow rules live in the service."""

    to_status = forms.ChoiceField(
        choices=Status.choices,
        label=gettext_lazy("New status"),
        error_messages={
            "required": gettext_lazy("Choose the new status."),
            "invalid_choice": gettext_lazy("“%(value)s” is not a referral status."),
        },
    )
    reason = forms.ChoiceField(
        choices=[("", gettext_lazy("Choose a reason")), *((r.value, r.label) for r in CLOSING_REASONS_OFFERED)],
        required=False,
        label=gettext_lazy("Reason for closing"),
        error_messages={"invalid_choice": gettext_lazy("“%(value)s” is not a closing reason.")},
    )


class CloseReferralForm(TransitionForm):
    """The close control on the referral page: the same fields, with the reason marked as needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"to_status": Status.CLOSED})
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True


class ReopenReferralForm(forms.Form):
    """Reopening a closed referral: why, in the reopener's words (the service checks the length too)."""

    reason = forms.CharField(
        label=gettext_lazy("Why reopen this referral?"),
        help_text=gettext_lazy("For example: the person called back and asked for help. At least 15 characters."),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=15,
        max_length=1000,
        error_messages={
            "required": gettext_lazy("Say why the referral is being reopened."),
            "min_length": gettext_lazy(
                "Give a reason of at least %(limit_value)d characters for reopening the referral."
            ),
            "max_length": gettext_lazy("Keep the reason to %(limit_value)d characters."),
        },
    )
