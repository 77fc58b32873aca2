"""For the referral tests: referrals made through intake in bulk, CSV files and rows, the staff form's
fields, and the upload pages."""

import csv
import datetime as dt
import io
import zipfile
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from port.referrals.csv_import.services import referral_import_upload
from port.referrals.intake import OverdoseDetails, ParticipantDetails, ReferralSubmission, referral_intake
from port.referrals.models import Channel, Referral, ReferralImport, Source
from port.referrals.services import referral_assign
from port.testing.factories import submit_referral

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def make_csv(
    rows: list[dict[str, str]], *, columns: list[str] | None = None, delimiter: str = ",", line_ending: str = "\n"
) -> str:
    columns = columns or list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending)
    writer.writerow(columns)
    writer.writerows([row.get(name, "") for name in columns] for row in rows)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def upload(cast, rows, *, by=None, **options) -> ReferralImport:
    return referral_import_upload(by=by or cast.partner, file_name="daily.csv", raw=make_csv(rows, **options).encode())


def good_row(number: int, **extra) -> dict[str, str]:
    return {
        "external_id": f"ED-{number:04d}",
        "source": "emergency_department",
        "received_at": "2025-03-01 08:00",
        "first_name": f"Person{number}",
        "last_name": "Example",
        "phone": f"412-555-{number:04d}",
        **extra,
    }


NOW = dt.datetime(2025, 6, 10, 18, 0, tzinfo=dt.UTC)  # 2 pm in New York, no daylight-saving change near


HOUR = dt.timedelta(hours=1)


def submission(*, participant: dict | None = None, overdose: dict | None = None, **fields) -> ReferralSubmission:
    person = {"first_name": "Jordan", "last_name": "Rivera", "phone": "412-555-0142", **(participant or {})}
    fields.setdefault("source", Source.EMERGENCY_DEPARTMENT)
    fields.setdefault("received_at", NOW - HOUR)
    return ReferralSubmission(
        participant=ParticipantDetails(**person), overdose=OverdoseDetails(**(overdose or {})), **fields
    )


def intake(cast, sub: ReferralSubmission | None = None, *, channel: str = Channel.STAFF_FORM, program=None, **kwargs):
    return referral_intake(
        program=program or cast.program, submission=sub or submission(), channel=channel, now=NOW, **kwargs
    )


def minimal(**fields) -> dict:
    """What a busy ED liaison types: a name and where to find the person."""
    return {
        "first_name": "Jordan",
        "last_name": "Rivera",
        "location_notes": "Room 4, discharged at noon",
        "source": Source.EMERGENCY_DEPARTMENT,
        "acuity": "high",
        **fields,
    }


def make_many(cast, count: int, start: int = 0, assignee=None) -> list[Referral]:
    referrals = []
    for i in range(start, start + count):
        referral = submit_referral(
            cast.program,
            agency=cast.ed if i % 2 else cast.two_one_one,
            by=cast.partner,
            source=Source.EMERGENCY_DEPARTMENT if i % 2 else Source.TWO_ONE_ONE,
            acuity=("high", "elevated", "standard")[i % 3],
            received_at=timezone.now() - dt.timedelta(hours=i % 50),
            first_name=f"Row{i:03d}",
            last_name="Person",
            phone=f"412-555-01{i % 100:02d}",
        )
        peer = assignee or (None, cast.peer, cast.peer2)[i % 3]
        if peer:
            referral_assign(referral=referral, assignee=peer, by=cast.supervisor)
        referrals.append(referral)
    return referrals


UPLOAD_URL = reverse("referrals:import_upload")


def post_file(client, content: bytes | str, name: str = "daily.csv"):
    raw = content.encode() if isinstance(content, str) else content
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, raw, content_type="text/csv")})


def uploaded(cast, rows, *, by=None) -> ReferralImport:
    client = cast.client_for(by or cast.partner)
    response = post_file(client, make_csv(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReferralImport.objects.latest("pk")


def confirm(client, batch, choice):
    return client.post(reverse("referrals:import_confirm", args=[batch.pk]), {"choice": choice}, follow=True)
