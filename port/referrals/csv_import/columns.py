"""The file's columns: one definition (`COLUMNS`, with each column's header aliases) used by the parser,
the upload page, the template download and docs/intake-csv.md, plus the template's example rows and the
mapping from intake's field paths back to column names."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The columns: one definition used by the parser, the upload page, the template download and docs.


@dataclass(frozen=True)
class Column:
    name: str
    help: "StrOrPromise"
    example: str
    max_length: int | None = None
    required: bool = False


DATE_FORMATS_HELP = gettext_lazy("YYYY-MM-DD or MM/DD/YYYY")
DATETIME_FORMATS_HELP = gettext_lazy(
    "YYYY-MM-DD HH:MM (optionally with an offset such as -05:00) or MM/DD/YYYY HH:MM; "
    "times without an offset are in the program's time zone"
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        gettext_lazy(
            "Your own identifier for this referral, such as the visit number. When it is filled in, "
            "uploading the same row again never creates a second referral."
        ),
        "ED-2025-0001",
        100,
    ),
    Column(
        "source",
        gettext_lazy(
            "Who is referring: emergency_department, 211, ems, fire, law_enforcement, self, family or "
            "other. Referral partners may leave it blank: their agency's kind is used."
        ),
        "emergency_department",
        required=True,
    ),
    Column("received_at", gettext_lazy("When the referral was made. Blank: the moment of import."), "2025-01-15 14:30"),
    Column(
        "acuity",
        gettext_lazy("The program's acuity code, such as high, elevated or standard. Blank: the least urgent level."),
        "high",
    ),
    Column(
        "available_from",
        gettext_lazy("When the person can first be reached, for example the expected discharge. Optional."),
        "2025-01-15 18:00",
    ),
    Column("first_name", gettext_lazy("Optional."), "Testy", 100),
    Column("last_name", gettext_lazy("Optional."), "Example", 100),
    Column("preferred_name", gettext_lazy("The name the person goes by. Optional."), "", 100),
    Column("date_of_birth", gettext_lazy("Optional."), "1990-04-12"),
    Column(
        "phone",
        gettext_lazy(
            "A phone number (US numbers without +1 are fine). A phone, an address or location notes is "
            "needed to reach the person."
        ),
        "(412) 555-0100",
    ),
    Column("address", gettext_lazy("Street address, if the person has one."), "", 300),
    Column("location_notes", gettext_lazy("Where to find the person when there is no address."), "", 2000),
    Column("preferred_language", gettext_lazy("Optional."), "English", 50),
    Column("overdose_occurred_at", gettext_lazy("When the overdose happened. Optional."), "2025-01-15 13:50"),
    Column("overdose_location", gettext_lazy("Where the overdose happened. Optional."), "", 300),
    Column(
        "substances",
        gettext_lazy("Suspected substances, separated by semicolons (;). Up to 20, each up to 100 characters."),
        "fentanyl; cocaine",
    ),
    Column("naloxone_doses", gettext_lazy("A whole number from 0 to 20. Optional."), "2"),
    Column(
        "naloxone_given_by",
        gettext_lazy("bystander, self, ems, fire, law_enforcement, hospital, other or unknown. Optional."),
        "ems",
    ),
    Column("transported", gettext_lazy("yes, no, or blank for not known."), "yes"),
    Column("consent_to_contact", gettext_lazy("yes, no, or blank for not known."), "yes"),
    Column("notes", gettext_lazy("Anything else the team should know. Optional."), "", 5000),
)
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
DATE_COLUMNS = frozenset({"date_of_birth"})
DATETIME_COLUMNS = frozenset({"received_at", "available_from", "overdose_occurred_at"})
FORMAT_HELP = {name: DATE_FORMATS_HELP for name in DATE_COLUMNS} | {
    name: DATETIME_FORMATS_HELP for name in DATETIME_COLUMNS
}
# The rejected-rows download adds these two; they are ignored on upload, so a corrected
# rejected-rows file can be uploaded again as it is.
ROW_NUMBER_COLUMN = "original_row"
PROBLEMS_COLUMN = "problems"
IGNORED_COLUMNS = frozenset({ROW_NUMBER_COLUMN, PROBLEMS_COLUMN})
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
MAX_SUBSTANCES = 20
MAX_SUBSTANCE_LENGTH = 100


def column_for_field(path: str) -> str:
    """Intake's field path ('participant.phone', 'overdose.location') to this file's column name."""
    group, _dot, name = path.partition(".")
    if group == "participant" and name:
        return name
    if group == "overdose" and name:
        return f"overdose_{name}" if name in ("occurred_at", "location") else name
    return path


def example_rows(*, acuity_codes: list[str]) -> list[dict[str, str]]:
    """The template's example rows: clearly synthetic, valid for the program they are made for."""
    first = acuity_codes[0] if acuity_codes else ""
    second = acuity_codes[1] if len(acuity_codes) > 1 else ""
    return [
        {
            "external_id": "EXAMPLE-0001",
            "source": "emergency_department",
            "received_at": "2025-01-15T14:30:00-05:00",
            "acuity": first,
            "available_from": "2025-01-15 18:00",
            "first_name": "Testy",
            "last_name": "Example",
            "date_of_birth": "1990-04-12",
            "phone": "(412) 555-0100",
            "address": "100 Example Street, Springfield",
            "preferred_language": "English",
            "overdose_occurred_at": "2025-01-15 13:50",
            "overdose_location": "Example Park",
            "substances": "fentanyl; cocaine",
            "naloxone_doses": "2",
            "naloxone_given_by": "ems",
            "transported": "yes",
            "consent_to_contact": "yes",
            "notes": "Synthetic example row: delete it before uploading.",
        },
        {
            "external_id": "EXAMPLE-0002",
            "source": "211",
            "received_at": "01/16/2025 09:05",
            "acuity": second,
            "first_name": "Sample",
            "last_name": "Person",
            "preferred_name": "Sam",
            "date_of_birth": "07/04/1985",
            "location_notes": "Usually near the library steps on Example Avenue (synthetic example)",
            "preferred_language": "Spanish",
            "overdose_occurred_at": "01/15/2025 22:40",
            "substances": "heroin",
            "naloxone_doses": "1",
            "naloxone_given_by": "bystander",
            "transported": "no",
            "notes": "Synthetic example row: delete it before uploading.",
        },
        {
            "external_id": "EXAMPLE-0003",
            "source": "ems",
            "phone": "412-555-0199",
            "notes": "Synthetic example row: only a source and a way to reach the person are needed.",
        },
    ]
