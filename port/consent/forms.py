"""Forms for recording and revoking a consent and for sharing with a provider.

The forms parse what was typed; the rules live in port.consent.services (consent_check) and the gate,
so the page says exactly what the service says. Choices come from the selectors (the program's own
directory), so a form never offers another program's organizations or law enforcement."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Organization
from port.consent.models import ConsentKind, InformationCategory, SignatureMethod
from port.consent.services import REQUIRED
from port.core.forms import form_field

DATE_HELP = _("For example 2026-03-14.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(*, error_messages: dict | None = None, **kwargs: Any) -> forms.DateField:
    messages = {"invalid": _("Enter a real date, such as 2026-03-14."), **(error_messages or {})}
    return forms.DateField(
        widget=DateInput(), input_formats=["%Y-%m-%d", "%m/%d/%Y"], error_messages=messages, **kwargs
    )


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agency: Organization) -> str:
        return f"{agency.name} ({agency.get_kind_display()})"


def category_choices(categories: Sequence[str]) -> list[tuple[str, str | Promise]]:
    return [(c.value, c.label) for c in InformationCategory if c.value in categories]


class ConsentForm(forms.Form):
    """Every element of 42 CFR 2.31 for one kind of consent; which recipient fields appear depends on it."""

    disclosing_party = forms.CharField(
        label=_("Who may disclose"),
        required=False,
        help_text=_("The program, by name. Leave as it is unless another program or person discloses."),
    )
    information_categories = forms.MultipleChoiceField(
        label=_("What information"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": REQUIRED["information_categories"]},
        help_text=_("Only the kinds the person agrees to. A general release is not allowed."),
    )
    information_description = forms.CharField(
        label=_("The information, described specifically"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REQUIRED["information_description"]},
        help_text=_(
            "What and how much, in words the person understands: for example “name, phone and whether "
            "they were reached after the overdose of March 3”. Not “all records” or “everything”."
        ),
    )
    recipient_agency = AgencyChoiceField(
        label=_("To whom (an organization from the directory)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Choose an organization"),
        help_text=_(
            "Organizations come from the program's directory; a name cannot be typed in. Law enforcement "
            "agencies are not offered: substance-use information is never disclosed to them."
        ),
    )
    recipient_class = forms.CharField(
        label=_("To whom (a class of recipients)"),
        required=False,
        help_text=_("For treatment, payment and health care operations, the recipients may be described as a class."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REQUIRED["purpose"]},
        help_text=_("Why the information is shared, for example “to arrange treatment at the recipient's clinic”."),
    )
    revocation_statement = forms.CharField(
        label=_("The right to revoke, and how"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": REQUIRED["revocation_statement"]},
        help_text=_("The program's standard wording; change it only if the person's situation needs it."),
    )
    expires_on = _date_field(
        label=_("Expires on"),
        required=False,
        help_text=_("A date (today or later), an event below, or both. For example 2027-03-14."),
    )
    expiry_event = forms.CharField(
        label=_("Or expires when"), required=False, help_text=_("For example “when I finish treatment at this clinic”.")
    )
    signature_method = forms.ChoiceField(
        label=_("How the person consented"),
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": REQUIRED["signature_method"]},
    )
    signature_image = forms.CharField(required=False, widget=forms.HiddenInput, label=_("Signature"))
    witness_name = forms.CharField(
        label=_("Witness"), required=False, help_text=_("For verbal consent: the name of the person who heard it.")
    )
    signed_on = _date_field(
        label=_("Date signed"), error_messages={"required": REQUIRED["signed_on"]}, help_text=DATE_HELP
    )
    signed_by_name = forms.CharField(
        label=_("Signed by, if not the participant"),
        required=False,
        help_text=_("Leave empty when the participant signs for themselves."),
    )
    signer_authority = forms.CharField(
        label=_("Their authority to sign"),
        required=False,
        help_text=_("For example legal guardian, or health care proxy."),
    )

    def __init__(self, *args: Any, kind: str, recipients: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        # Counseling notes only ever travel under a consent of their own kind.
        offered = [
            c
            for c in InformationCategory.values
            if kind == ConsentKind.COUNSELING_NOTES or c != InformationCategory.COUNSELING_NOTES
        ]
        form_field(self, "information_categories", forms.ChoiceField).choices = category_choices(offered)
        form_field(self, "recipient_agency", forms.ModelChoiceField).queryset = recipients
        if kind in (ConsentKind.DISCLOSURE, ConsentKind.COUNSELING_NOTES):
            del self.fields["recipient_class"]
        elif kind == ConsentKind.TPO:
            del self.fields["recipient_agency"]
        else:
            del self.fields["recipient_class"], self.fields["recipient_agency"]

    @property
    def recipient_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("recipient_agency", "recipient_class") if name in self.fields]

    def elements(self) -> dict[str, Any]:
        """What was entered, as consent_check takes it; fields that did not parse are left empty."""
        data = getattr(self, "cleaned_data", {})
        values = {name: data.get(name) for name in self.fields}
        for name in (
            "disclosing_party",
            "information_description",
            "purpose",
            "revocation_statement",
            "expiry_event",
            "signature_method",
            "signature_image",
            "witness_name",
            "signed_by_name",
            "signer_authority",
            "recipient_class",
        ):
            if name in values:
                values[name] = values[name] or ""
        values["information_categories"] = values.get("information_categories") or []
        return values


class RevokeForm(forms.Form):
    note = forms.CharField(
        label=_("How did the person revoke?"),
        error_messages={"required": REQUIRED["note"]},
        help_text=_(
            "For example “told Pat by phone on March 4” or “letter received March 4”. Revocation takes "
            "effect at once: nothing more is disclosed under this consent."
        ),
    )
