"""For the API tests: a referral body as a partner's system sends it, and sending and reading with a token."""

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

URL = "/api/v1/referrals"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def referral_body(**overrides) -> dict:
    now = timezone.now()
    body = {
        "external_id": "ED-0001",
        "source": "emergency_department",
        "received_at": iso(now - dt.timedelta(hours=1)),
        "acuity": "high",
        "participant": {
            "first_name": "Robin",
            "last_name": "Sample",
            "preferred_name": "Rob",
            "date_of_birth": "1988-04-12",
            "phone": "412-555-0142",
            "address": "12 Sample St",
            "location_notes": "",
            "preferred_language": "en",
        },
        "overdose": {
            "occurred_at": iso(now - dt.timedelta(hours=3)),
            "location": "Riverside Park",
            "substances": ["fentanyl", "xylazine"],
            "naloxone_doses": 2,
            "naloxone_given_by": "ems",
            "transported": True,
        },
        "consent_to_contact": True,
        "notes": "Discharge planned for tomorrow morning.",
    }
    body.update(overrides)
    return body


def send(client: Client, body, raw: str, *, content_type: str = "application/json"):
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=payload, content_type=content_type, headers={"Authorization": f"Bearer {raw}"})


def read(client: Client, referral_id, raw: str):
    return client.get(f"{URL}/{referral_id}", headers={"Authorization": f"Bearer {raw}"})
