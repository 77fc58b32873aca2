"""The directory search form (GET: the query holds no participant data). It validates and turns the
starting point into coordinates; the search itself is port.directory.search."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from port.directory.categories import BY_CODE, NEEDS
from port.directory.geo import Point, zip_centroid, zip_in
from port.directory.search import FEATURE_CODES, LANGUAGES, Criteria

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WITHIN_CHOICES = (
    ("", _("Any distance")),
    ("2", _("Within 2 miles")),
    ("5", _("Within 5 miles")),
    ("10", _("Within 10 miles")),
    ("25", _("Within 25 miles")),
    ("50", _("Within 50 miles")),
)


def _need_choices() -> list[tuple[str, "StrOrPromise"]]:
    choices: list[tuple[str, StrOrPromise]] = [("", _("Any need"))]
    for category in NEEDS:
        label = f"— {category.name}" if category.parent else category.name
        choices.append((category.code, label))
    return choices


class DirectorySearchForm(forms.Form):
    need = forms.ChoiceField(label=_("Need"), choices=_need_choices, required=False)
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=100,
        help_text=_("Part of a name, a description or an organization."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={"max_length": _("Search for at most %(limit_value)d characters.")},
    )
    near = forms.CharField(
        label=_("Near (ZIP code)"),
        required=False,
        max_length=200,
        help_text=_("A five-digit ZIP code, or an address with its ZIP code."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "text"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    within = forms.ChoiceField(label=_("Distance"), choices=WITHIN_CHOICES, required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    walk_in = forms.BooleanField(label=_("Walk-in"), required=False)
    same_day = forms.BooleanField(label=_("Same-day start"), required=False)
    uninsured = forms.BooleanField(label=_("Accepts uninsured"), required=False)
    medicaid = forms.BooleanField(label=_("Accepts Medicaid"), required=False)
    language = forms.ChoiceField(
        label=_("Language spoken"),
        required=False,
        choices=[("", _("Any language")), *[(code, _(name)) for code, name in LANGUAGES]],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    FEATURE_FIELDS = dict(zip(("walk_in", "same_day", "uninsured", "medicaid"), FEATURE_CODES, strict=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        near = (data.get("near") or "").strip()
        lat, lon = data.get("lat"), data.get("lon")
        origin = None
        if lat is not None and lon is not None and not near:
            origin = Point(lat, lon)
        elif near:
            code = zip_in(near)
            if not code:
                self.add_error(
                    "near",
                    _(
                        "Type a five-digit ZIP code (or an address that includes one), or use your phone's "
                        "location. Only ZIP codes and the phone's location can be used: no address lookup "
                        "service is reachable from here."
                    ),
                )
            else:
                origin = zip_centroid(code)
                if origin is None:
                    self.add_error(
                        "near", _("%(code)s is not a ZIP code we know. Check the five digits.") % {"code": code}
                    )
                else:
                    data["zip_code"] = code
        data["origin"] = origin
        if data.get("within") and origin is None and not self.errors:
            self.add_error("within", _("Give a ZIP code or use your location to search by distance."))
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        features = frozenset(code for name, code in self.FEATURE_FIELDS.items() if data.get(name))
        within = data.get("within")
        return Criteria(
            need=data.get("need") or "",
            words=data.get("q") or "",
            open_now=bool(data.get("open_now")),
            origin=data.get("origin"),
            within_miles=float(within) if within else None,
            features=features,
            language=data.get("language") or "",
            page=data.get("page") or 1,
        )

    @property
    def searched(self) -> bool:
        """Whether anything was asked (the bare page shows no results until then)."""
        return self.is_bound and any(value not in ("", None) for key, value in self.data.items() if key != "page")


def feature_name(code: str) -> str:
    return BY_CODE[code].name if code in BY_CODE else code
