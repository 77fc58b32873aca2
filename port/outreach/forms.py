"""Forms for the field: logging an attempt, recording and editing an encounter, addenda, supporters.

Choices come from lists the view loaded once through the selectors (team, supporters with agreement,
lots in stock), so a form never offers another program's data and rendering it adds no queries."""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.models import FieldVisibility, Membership, User
from port.accounts.visibility import can_see
from port.core.forms import form_field
from port.core.names import display_name
from port.outreach import barc10
from port.outreach.models import Encounter, EncounterItem, Mode, Outcome, Place, StageOfChange, Supporter, TeamRole
from port.outreach.selectors import Period, SupplyOffer, SupplyOffers
from port.outreach.services import MAX_DURATION_MINUTES, EncounterIn, ItemIn, TeamMemberIn, barc10_problems
from port.participants.normalize import InvalidPhone, format_phone, normalize_phone
from port.referrals.forms import ProgramDateTimeField
from port.referrals.models import Referral
from port.supplies.forms import choice_error
from port.supplies.models import SupplyItem
from port.supplies.selectors import supply_items

MAX_GIVEN = 100  # of one item at one encounter: a typo guard, far above any real visit
PARTNER_ROWS = 2
PARTICIPANT = EncounterItem.Recipient.PARTICIPANT
COMMUNITY = EncounterItem.Recipient.COMMUNITY
SUPPORTER_PREFIX = "supporter-"

# What is taught or handed out as information (not from inventory), in the order the form shows them.
TAUGHT_KINDS = (
    EncounterItem.Kind.NALOXONE_TRAINING,
    EncounterItem.Kind.OVERDOSE_PREVENTION_EDUCATION,
    EncounterItem.Kind.SAFER_USE_EDUCATION,
    EncounterItem.Kind.SYRINGE_SERVICES_INFO,
)


def supporter_label(supporter: Supporter) -> str:
    return f"{supporter} ({supporter.relationship})"


class LocalDateTimeField(ProgramDateTimeField):
    """A date and time typed on the program's wall clock (a phone's date-time picker), stored in UTC: the
    staff form's field (the earlier moment in the hour repeated at fall-back; a time in the hour skipped
    at spring-forward refused with a message), with the outreach forms' example in its message."""

    def __init__(self, *, zone: ZoneInfo | None = None, **kwargs: Any) -> None:
        if zone is not None:
            kwargs["zone"] = zone  # else the program field's own default, UTC
        super().__init__(**kwargs)
        self.error_messages["invalid"] = gettext_lazy("Enter a date and time, such as 2025-03-14 18:30.")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value, self.zone).replace(tzinfo=None)
        return value


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects the view already loaded; cleans to the object (no query)."""

    def __init__(
        self,
        *,
        objects: Sequence[Any] = (),
        label_of: Callable[[Any], str] = str,
        key_of: Callable[[Any], str] = lambda o: str(o.pk),
        empty_label: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.objects = {key_of(obj): obj for obj in objects}
        choices = [(key, label_of(obj)) for key, obj in self.objects.items()]
        if empty_label is not None:
            choices.insert(0, ("", empty_label))
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.objects.get(value) if value else None


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, objects: Sequence[Any] = (), label_of: Callable[[Any], str] = str, **kwargs: Any) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        super().__init__(choices=[(key, label_of(obj)) for key, obj in self.objects.items()], **kwargs)

    def clean(self, value: Any) -> list[Any]:
        return [self.objects[key] for key in super().clean(value)]


def _radio(choices: Sequence[tuple[str, Any]], **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **kwargs)


class TeamFieldsMixin(forms.Form):
    """Who went: the program's users (the person recording ticked by default) and up to two others by
    name and role (EMS, police, a clinician without a login)."""

    def add_team_fields(self, *, viewer: Membership, members: Sequence[Membership]) -> None:
        users = [m.user for m in members]
        if viewer.user_id not in {u.pk for u in users}:
            users.insert(0, viewer.user)

        def label(user: User) -> str:
            name = display_name(user)
            return _("%(name)s (you)") % {"name": name} if user.pk == viewer.user_id else name

        self.fields["team_users"] = ObjectMultipleChoiceField(
            objects=users, label_of=label, required=False, label=_("Program team members who went")
        )
        self.initial.setdefault("team_users", [str(viewer.user_id)])
        for row in range(1, PARTNER_ROWS + 1):
            self.fields[f"partner_name_{row}"] = forms.CharField(
                label=_("Someone else who went: name"),
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"partner_role_{row}"] = forms.ChoiceField(
                label=_("Their role"), required=False, choices=[("", _("Choose…")), *TeamRole.choices]
            )

    def partner_rows(self) -> list[tuple[BoundField, BoundField]]:
        return [(self[f"partner_name_{row}"], self[f"partner_role_{row}"]) for row in range(1, PARTNER_ROWS + 1)]

    def collect_team(self, cleaned: dict) -> None:
        team = [TeamMemberIn(role=TeamRole.PEER, user=user) for user in cleaned.get("team_users", [])]
        for row in range(1, PARTNER_ROWS + 1):
            name, role = cleaned.get(f"partner_name_{row}", "").strip(), cleaned.get(f"partner_role_{row}", "")
            if name and not role:
                self.add_error(f"partner_role_{row}", _("Choose %(name)s's role.") % {"name": name})
            elif role and not name:
                self.add_error(
                    f"partner_name_{row}",
                    _("Give the name of the person who went as %(role)s.") % {"role": TeamRole(role).label},
                )
            elif name:
                team.append(TeamMemberIn(role=role, name=name))
        if not team and "team_users" not in self.errors:
            self.add_error("team_users", _("Say who went: tick yourself or someone else, or add a name."))
        cleaned["team"] = team

    @staticmethod
    def team_initial(team: Sequence) -> dict:
        """Initial values that repeat an earlier team (an attempt's, for the encounter that follows it)."""
        initial = {"team_users": [str(m.user_id) for m in team if m.user_id]}
        for row, member in enumerate([m for m in team if not m.user_id][:PARTNER_ROWS], start=1):
            initial[f"partner_name_{row}"] = member.name
            initial[f"partner_role_{row}"] = member.role
        return initial


class AttemptForm(TeamFieldsMixin, forms.Form):
    """One try to reach the person, in a few taps."""

    attempted_at = LocalDateTimeField(label=gettext_lazy("When"))
    mode = _radio(Mode.choices, label=gettext_lazy("How"))
    place = _radio(
        [("", gettext_lazy("No place (a call or a text)")), *Place.choices], required=False, label=gettext_lazy("Where")
    )
    outcome = _radio(Outcome.choices, label=gettext_lazy("What happened"))
    note = forms.CharField(
        label=gettext_lazy("Short note"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Optional. Where you looked, when to try again. Nothing about the overdose."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
    )

    def __init__(
        self,
        *args: Any,
        viewer: Membership,
        members: Sequence[Membership],
        supporters: Sequence[Supporter],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        zone = viewer.program.zone
        form_field(self, "attempted_at", LocalDateTimeField).zone = zone
        self.initial.setdefault("attempted_at", timezone.now())
        self.fields["attempted_at"].widget.attrs["max"] = (viewer.program.local() + dt.timedelta(minutes=10)).strftime(
            "%Y-%m-%dT%H:%M"
        )
        for name, what in (("mode", _("how you tried")), ("outcome", _("what happened"))):
            self.fields[name].error_messages["required"] = _("Choose %(what)s.") % {"what": what}
        self.fields["supporter"] = ObjectChoiceField(
            objects=supporters,
            label_of=supporter_label,
            required=False,
            widget=forms.RadioSelect,
            empty_label=_("No supporter"),
            label=_("Supporter reached"),
            help_text=_("Only supporters the participant agreed the team may talk with."),
        )
        self.add_team_fields(viewer=viewer, members=members)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("outcome") == Outcome.REACHED_SUPPORTER
            and not cleaned.get("supporter")
            and "supporter" not in self.errors
        ):
            self.add_error("supporter", _("Choose which supporter you reached."))
        self.collect_team(cleaned)
        return cleaned


# ---- the encounter ----


def _recipient_choices(supporters: Sequence[Supporter]) -> list[tuple[str, str]]:
    return [
        (PARTICIPANT, _("The participant")),
        *[(f"{SUPPORTER_PREFIX}{s.pk}", supporter_label(s)) for s in supporters],
        (COMMUNITY, _("Someone else in the community")),
    ]


def offer_label(offer: SupplyOffer) -> str:
    """Short enough for a phone's select: 'NX-1 · exp. 2027-06-19 · your bag (5 left)'."""
    balance = offer.balance
    place = (
        _("your %(kind)s") % {"kind": balance.location.get_kind_display().lower()}
        if offer.mine
        else balance.location.name
    )
    if balance.lot.expires_on:
        return _("%(lot)s · exp. %(date)s · %(place)s (%(left)d left)") % {
            "lot": balance.lot.lot_number,
            "date": balance.lot.expires_on.isoformat(),
            "place": place,
            "left": balance.quantity,
        }
    return _("%(lot)s · %(place)s (%(left)d left)") % {
        "lot": balance.lot.lot_number,
        "place": place,
        "left": balance.quantity,
    }


@dataclass
class SupplyRow:
    """One item on the encounter form: how many, from which lot, to whom."""

    item: SupplyItem
    has_stock: bool
    quantity: BoundField
    lot: BoundField | None
    recipient: BoundField | None


@dataclass
class TaughtRow:
    kind: str
    label: str
    recipients: BoundField


class EncounterForm(TeamFieldsMixin, forms.Form):
    """A visit, call or text exchange that reached someone: who, how, what was given and taught, and the
    participant's readiness, goals and next steps in their own words."""

    occurred_at = LocalDateTimeField(label=gettext_lazy("When"))
    mode = _radio(Mode.choices, label=gettext_lazy("How"))
    place = _radio(
        [("", gettext_lazy("No place (a call or a text)")), *Place.choices], required=False, label=gettext_lazy("Where")
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("How long (minutes)"),
        required=False,
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "quantity"}),
        error_messages={
            "invalid": gettext_lazy("Enter a whole number of minutes, such as 20."),
            "max_value": gettext_lazy("Enter at most 1440 minutes (24 hours)."),
        },
    )
    participant_present = forms.BooleanField(label=gettext_lazy("The participant was there"), required=False)
    stage_of_change = _radio(
        [("", gettext_lazy("Did not come up")), *StageOfChange.choices],
        required=False,
        label=gettext_lazy("Where they are with change, in their words"),
    )
    readiness = forms.TypedChoiceField(
        label=gettext_lazy("Readiness ruler"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("Not asked")), *[(str(n), str(n)) for n in range(11)]],
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "“On a scale of 0 to 10, how ready are you to make a change?” 0 is not ready at all, 10 is very ready."
        ),
    )
    goals = forms.CharField(
        label=gettext_lazy("Their goals, in their own words"),
        required=False,
        help_text=gettext_lazy("Whatever they want for themselves. Nothing here has to be about treatment."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = forms.CharField(
        label=gettext_lazy("Next steps they chose"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes (sensitive)"),
        required=False,
        help_text=gettext_lazy("Seen only by the program's team. Never shared with referral partners."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        viewer: Membership,
        members: Sequence[Membership],
        supporters: Sequence[Supporter],
        supplies: Sequence[SupplyOffers],
        referrals: Sequence[Referral] = (),
        fixed_referral: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        zone = viewer.program.zone
        form_field(self, "occurred_at", LocalDateTimeField).zone = zone
        self.initial.setdefault("occurred_at", timezone.now())
        self.initial.setdefault("participant_present", True)
        self.fields["occurred_at"].widget.attrs["max"] = (viewer.program.local() + dt.timedelta(minutes=10)).strftime(
            "%Y-%m-%dT%H:%M"
        )
        self.fields["mode"].error_messages["required"] = _("Choose how you met or talked.")
        self.supporters = {f"{SUPPORTER_PREFIX}{s.pk}": s for s in supporters}
        self.fields["supporters_present"] = ObjectMultipleChoiceField(
            objects=supporters,
            label_of=supporter_label,
            required=False,
            label=_("Supporters who were there"),
            help_text=_("Only supporters the participant agreed the team may talk with."),
        )
        if not fixed_referral and referrals:
            self.fields["referral"] = ObjectChoiceField(
                objects=referrals,
                key_of=lambda r: str(r.public_id),
                label_of=self._referral_label,
                required=False,
                empty_label=_("Not about an open referral"),
                label=_("For referral"),
                help_text=_(
                    "If nobody had reached the person on that referral yet, this counts as the first "
                    "contact and is logged on it as an attempt."
                ),
            )
        self.add_team_fields(viewer=viewer, members=members)
        recipients = _recipient_choices(supporters)

        self.supply_rows: list[SupplyRow] = []
        self.offers: dict[str, SupplyOffer] = {}
        for entry in supplies:
            item = entry.item
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=_("How many"),
                min_value=0,
                max_value=MAX_GIVEN,
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "quantity"}),
                error_messages={
                    "invalid": _("Enter a whole number, such as 2."),
                    "min_value": _("Enter 0 or more."),
                    "max_value": _("Enter at most %(max)d.") % {"max": MAX_GIVEN},
                },
            )
            if entry.offers:
                self.fields[f"lot_{item.pk}"] = ObjectChoiceField(
                    objects=entry.offers,
                    key_of=lambda o: o.key,
                    label_of=offer_label,
                    required=False,
                    label=_("Lot"),
                    initial=entry.offers[0].key,
                )
                self.fields[f"to_{item.pk}"] = forms.ChoiceField(
                    choices=recipients, required=False, label=_("To whom"), initial=PARTICIPANT
                )
                self.offers.update({o.key: o for o in entry.offers})
            self.supply_rows.append(
                SupplyRow(
                    item=item,
                    has_stock=bool(entry.offers),
                    quantity=self[f"qty_{item.pk}"],
                    lot=self[f"lot_{item.pk}"] if entry.offers else None,
                    recipient=self[f"to_{item.pk}"] if entry.offers else None,
                )
            )

        # One more row, for a second recipient of an item already given above (e.g. a kit for a supporter too).
        all_offers = [(o, entry.item) for entry in supplies for o in entry.offers]
        self.fields["extra_offer"] = ObjectChoiceField(
            objects=[o for o, _item in all_offers],
            key_of=lambda o: o.key,
            label_of=lambda o: f"{o.balance.lot.item.name} · {offer_label(o)}",
            required=False,
            empty_label=_("Choose an item and lot…"),
            label=_("Item and lot"),
        )
        self.fields["extra_qty"] = forms.IntegerField(
            label=_("How many"),
            min_value=0,
            max_value=MAX_GIVEN,
            required=False,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "quantity"}),
            error_messages={"invalid": _("Enter a whole number, such as 1.")},
        )
        self.fields["extra_to"] = forms.ChoiceField(
            choices=recipients, required=False, label=_("To whom"), initial=PARTICIPANT
        )
        self.has_extra_row = bool(all_offers)

        self.taught_rows: list[TaughtRow] = []
        for kind in TAUGHT_KINDS:
            label = EncounterItem.Kind(kind).label
            self.fields[f"taught_{kind}"] = forms.MultipleChoiceField(
                choices=recipients, required=False, widget=forms.CheckboxSelectMultiple, label=label
            )
            self.taught_rows.append(TaughtRow(kind, str(label), self[f"taught_{kind}"]))

    @property
    def rows_in_stock(self) -> list[SupplyRow]:
        return [row for row in self.supply_rows if row.has_stock]

    @property
    def rows_out_of_stock(self) -> list[SupplyRow]:
        return [row for row in self.supply_rows if not row.has_stock]

    @staticmethod
    def _referral_label(referral: Referral) -> str:
        received = timezone.localtime(referral.received_at, referral.program.zone)
        return _("Received %(date)s (%(status)s)") % {
            "date": received.strftime("%Y-%m-%d"),
            "status": referral.get_status_display(),
        }

    def _recipient(self, value: str) -> tuple[str, Supporter | None]:
        if value.startswith(SUPPORTER_PREFIX):
            return EncounterItem.Recipient.SUPPORTER, self.supporters[value]
        return value or PARTICIPANT, None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            not cleaned.get("participant_present")
            and not cleaned.get("supporters_present")
            and "supporters_present" not in self.errors
        ):
            self.add_error("participant_present", _("Say who was there: the participant, or at least one supporter."))
        self.collect_team(cleaned)
        items: list[ItemIn] = []
        for row in self.supply_rows:
            pk = row.item.pk
            quantity = cleaned.get(f"qty_{pk}") or 0
            if not quantity:
                continue
            offer = cleaned.get(f"lot_{pk}")
            if not row.has_stock:
                self.add_error(
                    f"qty_{pk}",
                    _("There is no %(item)s in your bag or vehicle or at the office.") % {"item": row.item.name},
                )
                continue
            if offer is None:
                self.add_error(f"lot_{pk}", _("Choose the lot."))
                continue
            items.append(self._supply_item(offer, quantity, cleaned.get(f"to_{pk}", "")))
        extra_offer, extra_qty = cleaned.get("extra_offer"), cleaned.get("extra_qty") or 0
        if extra_qty and extra_offer is None and "extra_offer" not in self.errors:
            self.add_error("extra_offer", _("Choose the item and lot."))
        elif extra_offer is not None and not extra_qty and "extra_qty" not in self.errors:
            self.add_error("extra_qty", _("Say how many, or clear the item."))
        elif extra_offer is not None:
            items.append(self._supply_item(extra_offer, extra_qty, cleaned.get("extra_to", "")))
        for taught in self.taught_rows:
            for value in cleaned.get(f"taught_{taught.kind}", []):
                recipient_type, supporter = self._recipient(value)
                items.append(ItemIn(kind=taught.kind, quantity=1, recipient_type=recipient_type, supporter=supporter))
        cleaned["items"] = items
        return cleaned

    def _supply_item(self, offer: SupplyOffer, quantity: int, to: str) -> ItemIn:
        recipient_type, supporter = self._recipient(to)
        return ItemIn(
            kind=EncounterItem.Kind.SUPPLY,
            quantity=quantity,
            recipient_type=recipient_type,
            supporter=supporter,
            lot=offer.balance.lot,
            location=offer.balance.location,
        )

    def encounter_in(self) -> EncounterIn:
        data = self.cleaned_data
        return EncounterIn(
            mode=data["mode"],
            occurred_at=data["occurred_at"],
            place=data.get("place", ""),
            duration_minutes=data.get("duration_minutes"),
            participant_present=bool(data.get("participant_present")),
            supporters_present=data.get("supporters_present", []),
            stage_of_change=data.get("stage_of_change", ""),
            readiness=data.get("readiness"),
            goals=data.get("goals", ""),
            next_steps=data.get("next_steps", ""),
            notes=data.get("notes", ""),
            team=data["team"],
            items=data["items"],
        )


class EncounterEditForm(forms.Form):
    """The encounter's own fields (what was given stays as recorded: stock has moved), with the version
    that was read, so a save over someone else's newer save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    occurred_at = LocalDateTimeField(label=gettext_lazy("When"))
    mode = EncounterForm.base_fields["mode"]
    place = EncounterForm.base_fields["place"]
    duration_minutes = EncounterForm.base_fields["duration_minutes"]
    participant_present = EncounterForm.base_fields["participant_present"]
    stage_of_change = EncounterForm.base_fields["stage_of_change"]
    readiness = EncounterForm.base_fields["readiness"]
    goals = EncounterForm.base_fields["goals"]
    next_steps = EncounterForm.base_fields["next_steps"]
    notes = EncounterForm.base_fields["notes"]

    # Fields of a group the program hides from the viewer's role: not shown, not accepted, left as stored.
    GROUP_FIELDS = {
        FieldVisibility.Group.NOTES: ("notes",),
        FieldVisibility.Group.ASSESSMENTS: ("stage_of_change", "readiness", "goals", "next_steps"),
    }

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for group, names in self.GROUP_FIELDS.items():
            if not can_see(viewer, group):
                for name in names:
                    del self.fields[name]
                    self.initial.pop(name, None)
        form_field(self, "occurred_at", LocalDateTimeField).zone = viewer.program.zone
        self.fields["version"].error_messages["required"] = _(
            "This form is missing the version it edits; open the encounter again."
        )

    @classmethod
    def initial_for(cls, encounter: Encounter) -> dict[str, Any]:
        initial = {name: getattr(encounter, name) for name in cls.base_fields}
        initial["readiness"] = "" if encounter.readiness is None else str(encounter.readiness)
        return initial

    def editable_names(self) -> list[str]:
        """The fields this viewer sees and changes, in order (not the version)."""
        return [name for name in self.fields if name != "version"]

    def changes(self, encounter: Encounter) -> dict[str, Any]:
        """The values to save, for port.outreach.services.encounter_update: only the fields shown."""
        changes = {name: self.cleaned_data.get(name) for name in self.editable_names()}
        # The picker shows whole minutes: an unchanged time keeps its seconds.
        if changes["occurred_at"] == encounter.occurred_at.replace(second=0, microsecond=0):
            changes["occurred_at"] = encounter.occurred_at
        return changes


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Addendum"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "A correction or something to add. The encounter itself stays as "
            "it was; this is shown under it with your name and the time."
        ),
        error_messages={"required": gettext_lazy("Write the addendum first.")},
    )


class SupporterForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=100,
        error_messages={"required": gettext_lazy("Give the supporter's first name.")},
    )
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    relationship = forms.CharField(
        label=gettext_lazy("Relationship to the participant"),
        max_length=50,
        help_text=gettext_lazy("For example mother, partner, friend, roommate."),
        error_messages={"required": gettext_lazy("Say how they are related, e.g. mother.")},
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    contact_notes = forms.CharField(
        label=gettext_lazy("Other ways to reach them"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
    )
    consent_to_contact = forms.BooleanField(
        label=gettext_lazy("The participant agreed that the team may talk with this person"),
        required=False,
        help_text=gettext_lazy(
            "Until this is ticked the team does not contact them, and they are not offered on "
            "attempts or encounters. Your name and the time are recorded."
        ),
    )
    needs = forms.CharField(
        label=gettext_lazy("Their own needs"),
        required=False,
        help_text=gettext_lazy("For example counseling for a spouse, support for children."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        try:
            return normalize_phone(value)
        except InvalidPhone:
            raise ValidationError(
                _("“%(value)s” is not a phone number we can dial. Write it like 412-555-0100.") % {"value": value[:30]}
            ) from None

    @classmethod
    def initial_for(cls, supporter: Supporter) -> dict:
        initial = {name: getattr(supporter, name) for name in cls.base_fields}
        initial["phone"] = format_phone(supporter.phone) if supporter.phone else ""
        return initial


class CloseUnableToReachForm(forms.Form):
    """The confirmation before closing as unable to reach; the rules are in referral_transition."""

    confirm = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": gettext_lazy("Confirm closing with the button on this page.")},
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Why close it before the attempt policy is used up?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Kept with the change and in the audit trail. Say no more about the person than the decision needs."
        ),
    )


# Long enough for years of weekly figures, short enough to stay one readable page.
MAX_REPORT_DAYS = 5 * 366


class DistributionReportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period = forms.ChoiceField(
        label=gettext_lazy("Count per"),
        initial=Period.MONTH,
        choices=[(Period.WEEK, gettext_lazy("Week")), (Period.MONTH, gettext_lazy("Month"))],
    )
    # Quoted: Django's form fields take no type arguments at run time.
    item: "forms.ModelChoiceField[SupplyItem]" = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Item"), required=False, empty_label=gettext_lazy("All items")
    )

    def __init__(self, *args: Any, viewer: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "item", forms.ModelChoiceField).queryset = supply_items(viewer=viewer, active_only=False)
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = _("Enter the date as year-month-day, e.g. 2025-01-31.")
        self.fields["period"].error_messages.update(choice_error(_("week or month")))
        self.fields["item"].error_messages.update(choice_error(_("an item")))

    @staticmethod
    def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
        """The last three calendar months, up to today."""
        first = today.replace(day=1)
        for _month in range(2):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return first, today

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days > MAX_REPORT_DAYS:
                self.add_error("end", _("Choose a range of at most five years."))
        return cleaned


class Barc10Form(forms.Form):
    """The BARC-10 (port/outreach/barc10.py) in one language: ten statements, each a group of six radio
    buttons. The answers are read and checked by port.outreach.services.barc10_problems, so the form, the
    service and any other caller give the same message for the same bad answer."""

    language = forms.CharField(widget=forms.HiddenInput)
    task = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        language: str,
        referrals: Sequence[Referral] = (),
        zone: ZoneInfo | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.wording = barc10.WORDING[language]
        scale = [(str(value), f"{value}: {label}") for value, label in enumerate(self.wording.scale, start=1)]
        for number, statement in enumerate(self.wording.items, start=1):
            self.fields[f"item_{number}"] = forms.CharField(
                label=f"{number}. {statement}",
                required=False,
                widget=forms.RadioSelect(choices=scale),
            )
        self.fields["given_at"] = LocalDateTimeField(
            zone=zone,
            label=gettext_lazy("When it was given"),
            required=False,
            help_text=gettext_lazy("Leave empty for now."),
        )
        self.referrals = {str(referral.pk): referral for referral in referrals}
        self.fields["referral"] = forms.ChoiceField(
            label=gettext_lazy("About which referral (optional)"),
            required=False,
            choices=[("", _("None in particular"))]
            + [
                (
                    pk,
                    _("Referral of %(date)s")
                    % {"date": date_format(timezone.localtime(r.received_at, zone), "M j, Y")},
                )
                for pk, r in self.referrals.items()
            ],
            error_messages={"invalid_choice": gettext_lazy("Choose one of the person's open referrals, or none.")},
        )

    def item_fields(self) -> list[BoundField]:
        return [self[f"item_{number}"] for number in range(1, barc10.ITEM_COUNT + 1)]

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if language not in barc10.LANGUAGES:
            raise ValidationError(_("Choose the language the statements were read in: English or Spanish."))
        return language

    def clean_task(self) -> int | None:
        task = self.cleaned_data["task"].strip()
        if not task:
            return None
        if not (task.isascii() and task.isdigit()) or not 0 < int(task) < 2**31:
            raise ValidationError(
                _("The check-in this was opened from is not valid; open the form again from the check-in.")
            )
        return int(task)

    def clean_referral(self) -> Referral | None:
        return self.referrals.get(self.cleaned_data["referral"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values, errors = barc10_problems([self.data.get(f"item_{n}", "") for n in range(1, barc10.ITEM_COUNT + 1)])
        for name, message in errors.items():
            self.add_error(None if name == "__all__" else name, message)
        cleaned["answers"] = values
        return cleaned
