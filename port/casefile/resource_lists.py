"""Resource lists for the person and their supporters: saving one (audited), reading one (audited as a
read of the participant's record), and its two forms, a printable page and a short text message."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.audit.models import AuditEvent
from port.audit.services import audit_record
from port.casefile.models import ResourceList
from port.casefile.resource_wording import WORDS
from port.consent.wording import long_date
from port.directory.categories import category_name
from port.directory.models import Service
from port.directory.search import Result
from port.directory.selectors import services_listed
from port.outreach.models import Supporter
from port.participants.models import Participant

TEXT_LIMIT = 600
MAX_SERVICES = 12
FAMILY = "family_support"


class ResourceListRefused(ValueError):
    pass


@transaction.atomic
def resource_list_save(
    *,
    by: Membership,
    participant: Participant,
    service_ids: list[int],
    language: str,
    supporter: Supporter | None = None,
) -> ResourceList:
    """Record that a list was given; refuses an empty list, another program's services, a supporter of
    someone else or one the participant has not agreed the team may contact."""
    if by.role not in TEAM_ROLES or participant.program_id != by.program_id:
        raise Http404
    if language not in WORDS:
        raise ResourceListRefused("Choose English or Spanish.")
    ids = list(dict.fromkeys(service_ids))[:MAX_SERVICES]
    services = list(Service.objects.filter(program_id=by.program_id, pk__in=ids))
    if not services:
        raise ResourceListRefused("Add at least one resource to the list.")
    if supporter is not None and (supporter.participant_id != participant.pk or not supporter.consent_to_contact):
        raise ResourceListRefused("That supporter cannot be given a list: the participant has not agreed.")
    made = ResourceList.objects.create(
        program_id=by.program_id, participant=participant, supporter=supporter, language=language, made_by=by.user
    )
    made.services.set(services)
    audit_record(
        action=AuditEvent.Action.CREATE,
        by=by,
        target_type="casefile.resourcelist",
        target_ids=[made.pk],
        participant_ids=[participant.pk],
        changes={
            "services": sorted(s.pk for s in services),
            "language": language,
            "supporter": supporter.pk if supporter else None,
        },
    )
    return made


def resource_list_get(*, viewer: Membership, participant: Participant, pk: int, note: str) -> ResourceList:
    """One list of the participant, audited as a read; 404 for any other."""
    if viewer.role not in TEAM_ROLES or participant.program_id != viewer.program_id:
        raise Http404
    found = (
        ResourceList.objects.filter(program_id=viewer.program_id, participant=participant, pk=pk)
        .select_related("supporter", "made_by")
        .first()
    )
    if found is None:
        raise Http404
    audit_record(
        action=AuditEvent.Action.VIEW,
        by=viewer,
        target_type="casefile.resourcelist",
        target_ids=[found.pk],
        participant_ids=[participant.pk],
        note=note,
    )
    return found


@dataclass
class Entry:
    name: str
    organization: str
    what: list[str]
    phone: str
    address: str
    short_address: str
    hours: str
    languages: list[str]
    description: str


def _hours_words(result: Result, words: dict[str, str]) -> str:
    hours = result.hours
    if hours.closed_today:
        return words["closed_today"]
    if not hours.today:
        return words["hours_unknown"] if hours.state == "unknown" else words["closed_today"]
    parts = []
    for interval in hours.today:
        if interval.all_day:
            parts.append(words["open_24"])
        else:
            parts.append(f"{_clock(interval.opens_at)}–{_clock(interval.closes_at)}")
    return ", ".join(parts)


def _clock(value: dt.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def entries(*, viewer: Membership, made: ResourceList, moment: dt.datetime | None = None) -> list[Entry]:
    """The list's services as the person reads them; a supporter's list puts family support first."""
    ids = list(made.services.order_by("name", "pk").values_list("pk", flat=True))
    results = services_listed(viewer=viewer, ids=ids, moment=moment or timezone.now())
    if made.supporter_id is not None:
        results.sort(key=lambda r: not any(code.split(".")[0] == FAMILY for code in r.categories))
    words = WORDS[made.language]
    shown = []
    for result in results:
        address = result.place.address if result.place else None
        full = ""
        short = ""
        if address is not None:
            street = ", ".join(filter(None, [address.address_1, address.address_2]))
            full = f"{street}, {address.city}, {address.state_province} {address.postal_code}".strip(", ")
            short = f"{address.address_1}, {address.city}"
        shown.append(
            Entry(
                name=result.service.name,
                organization=result.service.organization.name,
                what=[category_name(code, made.language) for code in result.categories],
                phone=result.phones[0].number if result.phones else "",
                address=full,
                short_address=short,
                hours=_hours_words(result, words),
                languages=result.languages,
                description=result.service.description,
            )
        )
    return shown


def text_message(made: ResourceList, shown: list[Entry]) -> str:
    """The list as a short text message: each entry's name, phone and short address, under
    TEXT_LIMIT characters when it can be (addresses are dropped, last first, when it cannot). It gives
    no team phone: a Program has no phone number of its own yet."""
    words = WORDS[made.language]

    def build(with_address: int) -> str:
        lines = [f"{words['title']}:"]
        for index, entry in enumerate(shown):
            parts = [entry.name, entry.phone or words["no_phone"]]
            if index < with_address and entry.short_address:
                parts.append(entry.short_address)
            lines.append(" - ".join(parts))
        return "\n".join(lines)

    for keep in range(len(shown), -1, -1):
        text = build(keep)
        if len(text) <= TEXT_LIMIT:
            return text
    return build(0)


def given_on(made: ResourceList) -> str:
    return long_date(made.program.today(made.made_at), made.language)
