"""Forms for the two intake channels people fill in by hand: the staff referral form and the public
"ask for help" page. Both only parse what was typed into a ReferralSubmission; the rules a referral
must meet live in the intake service (port.referrals.intake), and its messages are put back beside
the fields they concern.
"""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from port.accounts.models import AcuityLevel, Membership, OrganizationKind, Program
from port.accounts.roles import PARTNER_ROLES
from port.core.forms import form_field
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, validate_submission
from port.referrals.models import NaloxoneGivenBy, Source

# What a datetime-local input sends (and shows): minutes, no seconds, no offset.
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

COMMON_SUBSTANCES = (
    ("fentanyl", _("Fentanyl")),
    ("heroin", _("Heroin")),
    ("other opioids", _("Other opioids (pills, methadone, oxycodone…)")),
    ("cocaine", _("Cocaine or crack")),
    ("methamphetamine", _("Methamphetamine")),
    ("benzodiazepines", _("Benzodiazepines")),
    ("xylazine", _("Xylazine")),
    ("alcohol", _("Alcohol")),
    ("unknown", _("Unknown")),
)

YES, NO, UNKNOWN = "yes", "no", "unknown"
YES_NO_UNKNOWN = ((YES, _("Yes")), (NO, _("No")), (UNKNOWN, _("Unknown")))
_AS_BOOL = {YES: True, NO: False}

# A partner's agency kind that names a referral source; the form starts with it chosen.
SOURCE_FOR_AGENCY_KIND: dict[str, str] = {
    OrganizationKind.EMERGENCY_DEPARTMENT: Source.EMERGENCY_DEPARTMENT,
    OrganizationKind.TWO_ONE_ONE: Source.TWO_ONE_ONE,
    OrganizationKind.EMS: Source.EMS,
    OrganizationKind.FIRE: Source.FIRE,
    OrganizationKind.LAW_ENFORCEMENT: Source.LAW_ENFORCEMENT,
    OrganizationKind.OTHER: Source.OTHER,
}

# Intake reports errors by path ("participant.phone"); these are the form fields they belong to.
_FIELD_FOR_PATH_PREFIXES = ("participant.", "overdose.")


def window_phrase(hours: int) -> str:
    """'24 hours', '2 days', '36 hours': how long a contact window is, in words."""
    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def least_urgent_level(program: Program) -> AcuityLevel | None:
    """The level intake uses when a sender does not give one (the last by rank)."""
    return program.acuity_levels.order_by("rank", "pk").last()


class ProgramDateTimeField(forms.DateTimeField):
    """A date and time typed on the program's wall clock (not the server's), stored as UTC.

    In the hour repeated when clocks fall back, the earlier of the two moments is taken; a time in
    the hour skipped when clocks spring forward did not happen, and is refused with a message.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)
    default_error_messages = {
        "invalid": _("Enter a date and time, for example 2025-03-14 21:30."),
        # The time typed is not repeated: an overdose's time is about the person.
        "nonexistent": _(
            "This time did not happen in %(zone)s: the clocks moved forward an hour that night. Check the time."
        ),
        "out_of_range": _("Check the year: times after 2999 cannot be right."),
    }

    def __init__(self, *, zone: dt.tzinfo = dt.UTC, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone)
        return value

    def to_python(self, value: str | dt.datetime | dt.date | None) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else self._on_program_clock(value)
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
        except ValueError:  # well formed but impossible, such as month 13
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed is None:
            # Browsers without a date-time picker send what the person typed; try the usual formats.
            parsed = BaseTemporalField.to_python(self, text)
            assert parsed is not None  # it returns a date and time or raises ValidationError
        if parsed.year > 2999:  # Year 9999 would overflow on the way to UTC; intake refuses before 2000.
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        if timezone.is_aware(parsed):
            return parsed
        return self._on_program_clock(parsed)

    def _on_program_clock(self, naive: dt.datetime) -> dt.datetime:
        aware = naive.replace(tzinfo=self.zone, fold=0)
        try:
            round_trip = aware.astimezone(dt.UTC).astimezone(self.zone).replace(tzinfo=None)
        except OverflowError:  # the first hours of year 1 in a zone ahead of UTC
            round_trip = naive
        if round_trip != naive:
            raise ValidationError(
                self.error_messages["nonexistent"], code="nonexistent", params={"zone": str(self.zone)}
            )
        return aware


def _tri_state(value: str) -> bool | None:
    return _AS_BOOL.get(value)


def _split_other(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class IntakeErrorsMixin(forms.Form):
    """Put the intake service's messages beside the fields they are about."""

    def to_submission(self) -> ReferralSubmission:
        """The answers as intake takes them; each form says how."""
        raise NotImplementedError

    def add_intake_errors(self, errors: dict[str, str]) -> None:
        for path, message in errors.items():
            name = path
            for prefix in _FIELD_FOR_PATH_PREFIXES:
                name = name.removeprefix(prefix)
            if name not in self.fields:
                self.add_error(None, message)
            elif not self.has_error(name):  # the form's own message about the field comes first
                self.add_error(name, message)

    def add_intake_checks(self, program: Program) -> None:
        """For a form with problems of its own: also show what intake would say about the other
        answers, so every problem is listed at once rather than one round after another."""
        _, errors = validate_submission(program=program, submission=self.to_submission(), now=timezone.now())
        self.add_intake_errors(errors)


class ReferralForm(IntakeErrorsMixin, forms.Form):
    """The staff referral form: a few fields to send a referral from a phone, the rest optional."""

    # Optional sections, folded away on a phone unless something in them was entered or is wrong.
    SECTIONS = {
        "person": ("preferred_name", "date_of_birth", "address", "preferred_language"),
        "overdose": (
            "occurred_at",
            "location",
            "substances",
            "substances_other",
            "naloxone_doses",
            "naloxone_given_by",
            "transported",
        ),
        "timing": ("received_at", "available_from", "external_id"),
    }

    first_name = forms.CharField(
        label=_("First name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("A phone number, an address or where they can be found: one of them is enough."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    location_notes = forms.CharField(
        label=_("Where they can be found"),
        max_length=2000,
        required=False,
        help_text=_("For example a shelter, a camp, a street corner, a time of day."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.ChoiceField(label=_("Where the referral comes from"), choices=[("", _("Choose…")), *Source.choices])
    acuity = forms.ChoiceField(label=_("How urgent"), widget=forms.RadioSelect)
    consent_to_contact = forms.ChoiceField(
        label=_("Agreed to be contacted"),
        choices=YES_NO_UNKNOWN,
        initial=UNKNOWN,
        required=False,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes for the team"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    preferred_name = forms.CharField(
        label=_("Preferred name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date of birth as a date, for example 1985-07-23.")},
    )
    address = forms.CharField(
        label=_("Address"), max_length=300, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    preferred_language = forms.CharField(label=_("Preferred language"), max_length=50, required=False)

    occurred_at = ProgramDateTimeField(label=_("When the overdose happened"), required=False)
    location = forms.CharField(
        label=_("Where the overdose happened"),
        max_length=300,
        required=False,
        help_text=_("An address or a description of the place."),
    )
    substances = forms.MultipleChoiceField(
        label=_("Substances suspected"), choices=COMMON_SUBSTANCES, required=False, widget=forms.CheckboxSelectMultiple
    )
    substances_other = forms.CharField(
        label=_("Other substances"), max_length=300, required=False, help_text=_("Separate several with commas.")
    )
    naloxone_doses = forms.IntegerField(
        label=_("Naloxone doses given"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 20, "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the number of doses as a whole number, for example 2.")},
    )
    naloxone_given_by = forms.ChoiceField(
        label=_("Naloxone given by"),
        required=False,
        choices=[("", _("Not given or not known")), *NaloxoneGivenBy.choices],
    )
    transported = forms.ChoiceField(
        label=_("Taken to hospital"), choices=YES_NO_UNKNOWN, initial=UNKNOWN, required=False, widget=forms.RadioSelect
    )

    received_at = ProgramDateTimeField(
        label=_("Referral received"), required=False, help_text=_("Leave as is for now.")
    )
    available_from = ProgramDateTimeField(
        label=_("Can be reached from"),
        required=False,
        help_text=_("For example the expected discharge time. The contact clock starts then."),
    )
    external_id = forms.CharField(
        label=_("Your reference number"),
        max_length=100,
        required=False,
        help_text=_(
            "Your own number for this referral, if you have one. It is shown in your list "
            "of sent referrals. Never use the person's name."
        ),
    )

    def __init__(self, *args: Any, program: Program, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        for name in ("received_at", "available_from", "occurred_at"):
            form_field(self, name, ProgramDateTimeField).zone = program.zone
        levels = list(program.acuity_levels.order_by("rank", "pk"))
        form_field(self, "acuity", forms.ChoiceField).choices = [
            (
                level.code,
                _("%(label)s: contact within %(hours)s")
                % {
                    "label": level.label,
                    "hours": ngettext("%(count)d hour", "%(count)d hours", level.window_hours)
                    % {"count": level.window_hours},
                },
            )
            for level in levels
        ]
        if levels:
            self.fields["acuity"].initial = levels[-1].code
        self.fields["received_at"].initial = timezone.now
        self.fields["source"].initial = self._initial_source(membership)
        if membership.role not in PARTNER_ROLES:
            # The team's own referrals have no sending agency, so a reference number means nothing.
            del self.fields["external_id"]
        zone_note = _("Times are in %(zone)s.") % {"zone": program.time_zone}
        for name in ("received_at", "available_from", "occurred_at"):
            help_text = self.fields[name].help_text
            self.fields[name].help_text = f"{help_text} {zone_note}".strip()

    @staticmethod
    def _initial_source(membership: Membership) -> str:
        if membership.role in PARTNER_ROLES and membership.agency is not None:
            return SOURCE_FOR_AGENCY_KIND.get(membership.agency.kind, "")
        return Source.EMERGENCY_DEPARTMENT

    def _section(self, name: str) -> list[forms.BoundField]:
        return [self[field] for field in self.SECTIONS[name] if field in self.fields]

    @property
    def person_fields(self) -> list[forms.BoundField]:
        return self._section("person")

    @property
    def overdose_fields(self) -> list[forms.BoundField]:
        return self._section("overdose")

    @property
    def timing_fields(self) -> list[forms.BoundField]:
        return self._section("timing")

    def open_sections(self) -> set[str]:
        """Optional sections to show unfolded: those with an error or something entered in them."""
        unfolded = set()
        for section, names in self.SECTIONS.items():
            for name in names:
                if name not in self.fields:
                    continue
                if self.is_bound and (self[name].errors or self._entered(name)):
                    unfolded.add(section)
        return unfolded

    def _entered(self, name: str) -> bool:
        if name == "received_at":  # always filled in with "now"
            return False
        value = self[name].data
        field = self.fields[name]
        if isinstance(value, list):
            return bool(value)
        return value not in field.empty_values and value != field.initial

    def to_submission(self) -> ReferralSubmission:
        # .get(): also called with only the answers that passed the form's own checks.
        data = self.cleaned_data
        return ReferralSubmission(
            source=data.get("source", ""),
            acuity=data.get("acuity", ""),
            received_at=data.get("received_at"),
            available_from=data.get("available_from"),
            external_id=data.get("external_id", ""),
            consent_to_contact=_tri_state(data.get("consent_to_contact", "")),
            notes=data.get("notes", ""),
            participant=ParticipantDetails(
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                preferred_name=data.get("preferred_name", ""),
                date_of_birth=data.get("date_of_birth"),
                phone=data.get("phone", ""),
                address=data.get("address", ""),
                location_notes=data.get("location_notes", ""),
                preferred_language=data.get("preferred_language", ""),
            ),
            overdose=OverdoseDetails(
                occurred_at=data.get("occurred_at"),
                location=data.get("location", ""),
                substances=[*data.get("substances", []), *_split_other(data.get("substances_other", ""))],
                naloxone_doses=data.get("naloxone_doses"),
                naloxone_given_by=data.get("naloxone_given_by", ""),
                transported=_tri_state(data.get("transported", "")),
            ),
        )


class HelpRequestForm(IntakeErrorsMixin, forms.Form):
    """The public "ask for help" page: a person, or someone who cares about them, asks for a call."""

    # Bots fill every field; people never see this one (hidden by CSS, skipped by the tab key).
    HONEYPOT = "website"

    source = forms.ChoiceField(
        label=_("Who is asking?"),
        widget=forms.RadioSelect,
        choices=[
            (Source.SELF, _("I am asking for myself")),
            (Source.FAMILY, _("I am asking for someone I care about")),
        ],
        error_messages={"required": _("Tell us whether you are asking for yourself or for someone else.")},
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        help_text=_("Or the name they go by."),
        error_messages={"required": _("Tell us what to call the person when we reach out.")},
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        help_text=_("A phone number or where they can be found: one of them is enough."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    location_notes = forms.CharField(
        label=_("Where they can be found"),
        max_length=2000,
        required=False,
        help_text=_("An address, a shelter, a place they often are, a good time of day."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_language = forms.CharField(label=_("Preferred language"), max_length=50, required=False)
    referrer_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    referrer_contact = forms.CharField(
        label=_("How can we reach you?"),
        max_length=200,
        required=False,
        help_text=_(
            "Needed when you ask for someone else: a phone number or email address, in case we cannot find the person."
        ),
    )
    notes = forms.CharField(
        label=_("Anything else you want us to know"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    FAMILY_FIELDS = ("referrer_name", "referrer_contact")

    @property
    def is_from_a_bot(self) -> bool:
        return bool(self.data.get(self.HONEYPOT, "").strip())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("source") == Source.FAMILY and not data.get("referrer_contact", "").strip():
            self.add_error(
                "referrer_contact",
                _("Tell us how to reach you, so we can follow up with you if we cannot find the person."),
            )
        return data

    def to_submission(self) -> ReferralSubmission:
        data = self.cleaned_data
        family = data.get("source") == Source.FAMILY
        return ReferralSubmission(
            source=data.get("source", ""),
            notes=data.get("notes", ""),
            referrer_name=data.get("referrer_name", "") if family else "",
            referrer_contact=data.get("referrer_contact", "") if family else "",
            participant=ParticipantDetails(
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                phone=data.get("phone", ""),
                location_notes=data.get("location_notes", ""),
                preferred_language=data.get("preferred_language", ""),
            ),
        )
