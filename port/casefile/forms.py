"""Forms for finding participants and deciding about duplicates. They validate; services act."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from port.core.forms import form_field
from port.participants.models import Participant
from port.participants.selectors import parse_participant_query


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, date of birth or phone"),
        max_length=100,
        help_text=_(
            "For example “Maria Gonzalez”, “Gonzalez, Maria”, 1988-04-12, 04/12/1988, "
            "(412) 555-0100, or the last four digits of a phone."
        ),
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Type a name, a date of birth or a phone number to search for."),
            "max_length": _("Search for at most %(limit_value)d characters."),
        },
    )

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        parse_participant_query(text)  # raises ValidationError with a message the person can act on
        return text


def _record_label(participant: Participant, role: str, zone: ZoneInfo) -> str:
    created = formats.date_format(timezone.localtime(participant.created_at, zone), "M j, Y")
    return _("%(role)s: %(name)s (record created %(created)s)") % {
        "role": role,
        "name": participant.display_name,
        "created": created,
    }


class KeepRecordForm(forms.Form):
    """Which of two records survives a merge. The older one, by default: it is the one most
    referrals, links and people already know."""

    keep = forms.ChoiceField(
        label=_("Which record should be kept?"),
        widget=forms.RadioSelect,
        help_text=_(
            "The other record is merged into it: its referrals move over, its names become "
            "aliases and its phones are added. Nothing is deleted."
        ),
        error_messages={
            "required": _("Choose which record to keep."),
            "invalid_choice": _("Choose one of the two records to keep."),
        },
    )

    def __init__(
        self,
        *args: Any,
        first: Participant,
        second: Participant,
        first_role: str,
        second_role: str,
        zone: ZoneInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.records = {str(first.public_id): first, str(second.public_id): second}
        form_field(self, "keep", forms.ChoiceField).choices = [
            (str(first.public_id), _record_label(first, first_role, zone)),
            (str(second.public_id), _record_label(second, second_role, zone)),
        ]
        older = min((first, second), key=lambda p: (p.created_at, p.pk))
        self.fields["keep"].initial = str(older.public_id)

    def survivor_and_absorbed(self) -> tuple[Participant, Participant]:
        keep = self.cleaned_data["keep"]
        survivor = self.records[keep]
        absorbed = next(p for key, p in self.records.items() if key != keep)
        return survivor, absorbed


class ReviewDecisionForm(KeepRecordForm):
    """A possible duplicate: the same person (merge, keeping one record) or different people."""

    MERGE = "merge"
    DISMISS = "dismiss"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(MERGE, _("Same person — merge")), (DISMISS, _("Different people"))],
        widget=forms.HiddenInput,  # set by the button that was pressed
        error_messages={
            "required": _("Choose “Same person — merge” or “Different people”."),
            "invalid_choice": _("Choose “Same person — merge” or “Different people”."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("decision") == self.MERGE and not cleaned.get("keep") and "keep" not in self.errors:
            self.add_error("keep", _("Choose which record to keep."))
        return cleaned
