"""Made-up people, and they look it: surnames such as "Testperson" and "Sample", phone numbers in the
555-0100..0199 range reserved for fiction, addresses on "Example St".
"""

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from port.referrals.intake import ParticipantDetails

FIRST_NAMES = (
    "Aaliyah",
    "Adrian",
    "Alan",
    "Amir",
    "Ana",
    "Andre",
    "Angela",
    "Bao",
    "Brian",
    "Carl",
    "Carmen",
    "Chris",
    "Dakota",
    "Darnell",
    "Deja",
    "Diego",
    "Elena",
    "Eric",
    "Fatima",
    "Frank",
    "Gabriel",
    "Grace",
    "Hector",
    "Imani",
    "Jamal",
    "Jamie",
    "Jeffery",
    "Jon",
    "Jordan",
    "Jose",
    "Kayla",
    "Katherine",
    "Kristin",
    "Lamar",
    "Leah",
    "Lucia",
    "Luis",
    "Marc",
    "Maria",
    "Mathew",
    "Mei",
    "Miguel",
    "Nicole",
    "Noah",
    "Omar",
    "Priya",
    "Rosa",
    "Ryan",
    "Sara",
    "Sean",
    "Stephen",
    "Tanisha",
    "Teresa",
    "Tyrone",
    "Valeria",
    "Wanda",
    "Wei",
    "Xavier",
    "Yolanda",
    "Zoe",
)
# Spelling variants a second referral may use for the same person: likely duplicates for review.
NAME_VARIANTS = {
    "Alan": "Allen",
    "Ana": "Anna",
    "Brian": "Bryan",
    "Carl": "Karl",
    "Eric": "Erik",
    "Jamie": "Jaime",
    "Jeffery": "Jeffrey",
    "Jon": "John",
    "Katherine": "Catherine",
    "Kristin": "Kristen",
    "Marc": "Mark",
    "Mathew": "Matthew",
    "Nicole": "Nichole",
    "Sara": "Sarah",
    "Stephen": "Steven",
    "Teresa": "Theresa",
}
LAST_NAMES = (
    "Testperson",
    "Sample",
    "Example",
    "Placeholder",
    "Fictional",
    "Demo",
    "Madeup",
    "Notreal",
    "Mockwell",
    "Fakeley",
    "Invented",
    "Imaginary",
    "Specimen",
    "Standin",
    "Testcase",
    "Samplesen",
    "Exampleton",
    "Prototype",
    "Dummyford",
    "Loremipsum",
)
STREETS = ("Example St", "Sample Ave", "Placeholder Rd", "Demo Blvd", "Fictional Way", "Test Ln")
AREA_CODES = ("202", "312", "412", "614", "717", "814")
LOCATION_NOTES = (
    "Usually at the library on Demo Blvd in the afternoon.",
    "Stays at the shelter on Sample Ave; ask at the front desk.",
    "Camps behind the store at 200 Example St.",
    "Often at the bus shelter on Placeholder Rd and Test Ln.",
    "Sister's house, blue door, 300 block of Fictional Way.",
    "Motel on Demo Blvd, room number changes; ask for them by first name.",
)


LANGUAGES = (("English", 80), ("Spanish", 12), ("", 5), ("Vietnamese", 1), ("Arabic", 1), ("Haitian Creole", 1))


T = TypeVar("T")


def pick(rng: random.Random, weighted: Iterable[tuple[T, float]]) -> T:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def fictional_phone(rng: random.Random) -> str:
    """E.164, in the 555-0100..0199 range reserved for fiction."""
    return f"+1{rng.choice(AREA_CODES)}55501{rng.randrange(100):02d}"


@dataclass
class Person:
    """A made-up participant, as a referral describes them."""

    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date | None
    phone: str
    address: str
    location_notes: str
    preferred_language: str
    participant_id: int | None = None  # set when the participant's row is written

    def submitted(self) -> dict:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "preferred_name": self.preferred_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "phone": self.phone,
            "address": self.address,
            "location_notes": self.location_notes,
            "preferred_language": self.preferred_language,
        }

    def details(self) -> ParticipantDetails:
        return ParticipantDetails(
            first_name=self.first_name,
            last_name=self.last_name,
            preferred_name=self.preferred_name,
            date_of_birth=self.date_of_birth,
            phone=self.phone,
            address=self.address,
            location_notes=self.location_notes,
            preferred_language=self.preferred_language,
        )


def person_make(rng: random.Random, today: dt.date) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    date_of_birth = None
    if rng.random() < 0.85:
        date_of_birth = today - dt.timedelta(days=rng.randrange(18 * 365, 70 * 365))
    phone = fictional_phone(rng) if rng.random() < 0.55 else ""
    address = f"{rng.randrange(1, 40) * 100} {rng.choice(STREETS)}" if rng.random() < 0.45 else ""
    # Intake needs a way to reach the person: without phone or address, a place to find them.
    notes = rng.choice(LOCATION_NOTES) if not (phone or address) or rng.random() < 0.1 else ""
    preferred = first[:3] if len(first) >= 6 and rng.random() < 0.1 else ""  # "Katherine" goes by "Kat"
    return Person(first, last, preferred, date_of_birth, phone, address, notes, pick(rng, LANGUAGES))
