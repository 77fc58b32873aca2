"""Forms of the hand-off and task pages. Each field's message says what to do; the services decide."""

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Organization
from port.consent.forms import AgencyChoiceField, category_choices
from port.core.forms import form_field
from port.directory.categories import NEEDS
from port.directory.models import Service
from port.linkage.models import How, PersonReport, Priority, StatusReason, TaskOutcome, Transport
from port.outreach.forms import LocalDateTimeField
from port.outreach.models import Supporter


def need_choices() -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = [("", str(_("Choose what the person needs")))]
    for category in NEEDS:
        choices.append((category.code, f"— {category.name}" if category.parent else category.name))
    return choices


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, service: Service) -> str:
        return f"{service.name} ({service.organization.name})"


class SupporterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, supporter: Supporter) -> str:
        return f"{supporter.first_name} {supporter.last_name}".strip() + f" ({supporter.relationship})"


REASON_CHOICES = [("", _("Choose a reason"))] + [(v, label) for v, label in StatusReason.choices if v]


class HandOffForm(forms.Form):
    organization = AgencyChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an organization"),
        error_messages={"required": _("Choose the organization the person is referred to.")},
        help_text=_("From the program's directory. A consent naming the organization covers its services."),
    )
    service = ServiceChoiceField(
        label=_("Service (optional)"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("No particular service"),
        help_text=_(
            "A service of the organization chosen above. To name one, find the service in the directory: "
            "it comes back here with the organization and the service chosen."
        ),
    )
    need = forms.ChoiceField(label=_("What it is for"), error_messages={"required": _("Choose what the person needs.")})
    how = forms.ChoiceField(
        label=_("How the team connects the person"),
        choices=How.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the team connects the person.")},
        help_text=_("Information only: the person got the details and goes on their own; nothing is shared."),
    )
    categories = forms.MultipleChoiceField(
        label=_("What to share with the provider"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only what the provider needs, and only what a consent in force covers. None for information only."
        ),
    )
    purpose = forms.CharField(
        label=_("Purpose of sharing"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the person's accounting of disclosures, e.g. “intake appointment”."),
    )
    priority = forms.ChoiceField(label=_("Urgency"), choices=Priority.choices, initial=Priority.ROUTINE)
    appointment_at = LocalDateTimeField(label=_("Appointment (optional)"), required=False)
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices, initial=Transport.NONE)
    ride_at = LocalDateTimeField(label=_("Ride time (optional)"), required=False)
    supporter = SupporterChoiceField(
        label=_("For a supporter (optional)"),
        queryset=Supporter.objects.none(),
        required=False,
        empty_label=_("For the person"),
        help_text=_("A family member or friend can be referred too, for example to family support."),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        services: QuerySet[Service],
        supporters: QuerySet[Supporter],
        categories: Sequence[str],
        zone: ZoneInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "organization", forms.ModelChoiceField).queryset = organizations
        form_field(self, "service", forms.ModelChoiceField).queryset = services
        form_field(self, "supporter", forms.ModelChoiceField).queryset = supporters
        form_field(self, "need", forms.ChoiceField).choices = need_choices()
        form_field(self, "categories", forms.ChoiceField).choices = category_choices(categories)
        for name in ("appointment_at", "ride_at"):
            field = form_field(self, name, LocalDateTimeField)
            field.zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service, organization = data.get("service"), data.get("organization")
        if service is not None and organization is not None and service.organization_id != organization.pk:
            self.add_error(
                "service",
                _("That service belongs to another organization: choose one of %(org)s's.")
                % {"org": organization.name},
            )
        if data.get("how") and data["how"] != How.INFORMATION_ONLY:
            if not data.get("categories"):
                self.add_error("categories", _("Choose what to share with the provider: only what they need."))
            if not (data.get("purpose") or "").strip():
                self.add_error("purpose", _("Say why you are sharing, for example “intake appointment”."))
        elif data.get("how") == How.INFORMATION_ONLY and data.get("categories"):
            self.add_error("categories", _("Information only shares nothing: untick these, or choose another way."))
        if data.get("transport") == Transport.NONE and data.get("ride_at"):
            self.add_error("ride_at", _("A ride time is only given when the team arranges or gives a ride."))
        return data


class TransitionForm(forms.Form):
    """The team's changes to a hand-off: cancel, or mark it entered in error."""

    to_status = forms.ChoiceField(choices=[("cancelled", _("Cancel")), ("entered-in-error", _("Entered in error"))])
    reason = forms.ChoiceField(label=_("Reason"), choices=REASON_CHOICES, required=False)
    note = forms.CharField(label=_("Say more (optional)"), max_length=300, required=False)


class PersonReportForm(forms.Form):
    report = forms.ChoiceField(
        label=_("What the person told you"),
        choices=[(v, label) for v, label in PersonReport.choices if v],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the person told you.")},
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class ProviderActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("accept", _("Accept")),
            ("appointment", _("Set the appointment")),
            ("attended", _("Attended")),
            ("no_show", _("Did not attend")),
            ("completed", _("Completed")),
            ("reject", _("Reject")),
        ]
    )
    appointment_at = LocalDateTimeField(label=_("Appointment date and time"), required=False)
    reason = forms.ChoiceField(label=_("Reason (to reject)"), choices=REASON_CHOICES, required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "appointment_at", LocalDateTimeField).zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "appointment" and not data.get("appointment_at"):
            self.add_error("appointment_at", _("Give the appointment's date and time, such as 2025-03-14 10:30."))
        if data.get("action") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose why you cannot take the person."))
        return data


class TaskOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=[(v, label) for v, label in TaskOutcome.choices if v],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happened.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
