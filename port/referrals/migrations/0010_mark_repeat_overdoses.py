"""Mark the overdose events of referrals that came in when the person already had an earlier referral for
another overdose (the rule of port.referrals.intake.is_repeat_overdose, applied to existing rows)."""

import datetime as dt

from django.db import migrations

SAME_OVERDOSE_WITHIN = dt.timedelta(hours=1)


def mark(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    OverdoseEvent = apps.get_model("referrals", "OverdoseEvent")
    seen: dict[int, list] = {}
    repeats = []
    rows = Referral.objects.order_by("participant_id", "received_at", "pk").values_list(
        "participant_id", "overdose_event_id", "overdose_event__occurred_at"
    )
    for participant_id, event_id, occurred_at in rows.iterator():
        earlier = seen.setdefault(participant_id, [])
        same = occurred_at is not None and any(
            other is not None and abs(other - occurred_at) <= SAME_OVERDOSE_WITHIN for other in earlier
        )
        if earlier and not same:
            repeats.append(event_id)
        earlier.append(occurred_at)
    for start in range(0, len(repeats), 500):
        OverdoseEvent.objects.filter(pk__in=repeats[start : start + 500]).update(repeat=True)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_overdoseevent_repeat")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
