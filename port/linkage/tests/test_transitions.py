"""The closed loop, whole: every (from, to) pair for both sides, allowed or refused, with reasons where
the state needs one."""

import itertools

import pytest

from port.audit.models import AuditEvent
from port.linkage.models import HandOff, HandOffChange, How, PersonReport, Side, StatusReason, TaskStatus
from port.linkage.services import (
    ALLOWED_TRANSITIONS,
    NEEDS_REASON,
    SETTERS,
    HandOffRefused,
    handoff_person_report,
    handoff_provider_update,
    handoff_transition,
)
from port.testing.linkage import handoff_make

STATUSES = TaskStatus.values


def expected(from_status: str, to_status: str, side: str) -> bool:
    if to_status == TaskStatus.ENTERED_IN_ERROR:
        fits = from_status != TaskStatus.ENTERED_IN_ERROR
    else:
        fits = to_status in ALLOWED_TRANSITIONS[from_status]
    return fits and side in SETTERS[to_status]


def test_the_table_is_the_sdoh_closed_loop():
    assert ALLOWED_TRANSITIONS[TaskStatus.REQUESTED] == {"accepted", "rejected", "cancelled"}
    assert ALLOWED_TRANSITIONS[TaskStatus.ACCEPTED] == {"in-progress", "on-hold", "completed", "failed", "cancelled"}
    assert ALLOWED_TRANSITIONS[TaskStatus.IN_PROGRESS] == {"on-hold", "completed", "failed", "cancelled"}
    assert ALLOWED_TRANSITIONS[TaskStatus.ON_HOLD] == {"in-progress", "completed", "failed", "cancelled"}
    assert NEEDS_REASON == {"rejected", "cancelled", "on-hold", "failed"}


@pytest.mark.parametrize("side", [Side.REFERRING, Side.RECEIVING])
@pytest.mark.parametrize("from_status, to_status", list(itertools.permutations(STATUSES, 2)))
def test_every_transition_is_allowed_or_refused_by_the_table(cast, person, side, from_status, to_status):
    handoff = handoff_make(cast, person)
    HandOff.objects.filter(pk=handoff.pk).update(status=from_status)
    by = cast.peer if side == Side.REFERRING else cast.provider
    reason = StatusReason.NO_CAPACITY if to_status in NEEDS_REASON else ""
    if expected(from_status, to_status, side):
        changed = handoff_transition(handoff=handoff, to_status=to_status, by=by, reason=reason, note="ok")
        assert changed.status == to_status
        change = HandOffChange.objects.filter(handoff=handoff).latest("pk")
        assert (change.from_status, change.to_status, change.side, change.changed_by) == (
            from_status,
            to_status,
            side,
            by.user,
        )
        assert AuditEvent.objects.filter(target_type="linkage.handoff", action=AuditEvent.Action.UPDATE).exists()
    else:
        with pytest.raises(HandOffRefused):
            handoff_transition(handoff=handoff, to_status=to_status, by=by, reason=reason)
        assert HandOff.objects.get(pk=handoff.pk).status == from_status


@pytest.mark.parametrize("to_status", sorted(NEEDS_REASON))
def test_rejecting_cancelling_holding_and_failing_need_a_reason(cast, person, to_status):
    handoff = handoff_make(cast, person)
    start = TaskStatus.REQUESTED if to_status in ("rejected", "cancelled") else TaskStatus.ACCEPTED
    HandOff.objects.filter(pk=handoff.pk).update(status=start)
    by = cast.peer if to_status == "cancelled" else cast.provider
    with pytest.raises(HandOffRefused, match="Choose a reason"):
        handoff_transition(handoff=handoff, to_status=to_status, by=by)
    with pytest.raises(HandOffRefused, match="Say what the reason is"):
        handoff_transition(handoff=handoff, to_status=to_status, by=by, reason=StatusReason.OTHER)
    handoff = handoff_transition(handoff=handoff, to_status=to_status, by=by, reason=StatusReason.OTHER, note="moved")
    assert (handoff.status_reason, handoff.status_note) == ("other", "moved")


def test_a_provider_of_another_organization_cannot_change_the_hand_off(cast, person, clinic_provider):
    handoff = handoff_make(cast, person)
    for member in (clinic_provider, cast.partner, cast.analyst, cast.outsider):
        with pytest.raises(HandOffRefused, match="cannot change"):
            handoff_transition(handoff=handoff, to_status=TaskStatus.ACCEPTED, by=member)


def test_the_providers_buttons_map_to_fhir_statuses_and_business_statuses(cast, person):
    handoff = handoff_make(cast, person)
    at = cast.program.local().replace(microsecond=0)
    handoff = handoff_provider_update(handoff=handoff, action="appointment", by=cast.provider, appointment_at=at)
    assert (handoff.status, handoff.business_status, handoff.appointment_at) == (
        "in-progress",
        "appointment-scheduled",
        at,
    )
    assert list(handoff.changes.values_list("to_status", flat=True)) == ["requested", "accepted", "in-progress"]
    handoff = handoff_provider_update(handoff=handoff, action="no_show", by=cast.provider)
    assert (handoff.status, handoff.business_status, handoff.status_reason) == ("failed", "no-show", "no-show")


def test_an_information_only_hand_off_records_what_the_person_said_never_as_the_providers_answer(cast, person):
    handoff = handoff_make(cast, person, how=How.INFORMATION_ONLY)
    assert handoff.disclosure is None and handoff.consent is None
    with pytest.raises(HandOffRefused):
        handoff_transition(handoff=handoff, to_status=TaskStatus.ACCEPTED, by=cast.provider)
    handoff = handoff_person_report(handoff=handoff, report=PersonReport.ATTENDED, by=cast.peer)
    assert handoff.person_report == "attended" and handoff.business_status == "" and handoff.status == "requested"
    shared = handoff_make(cast, person)
    with pytest.raises(HandOffRefused, match="provider reports"):
        handoff_person_report(handoff=shared, report=PersonReport.ATTENDED, by=cast.peer)
