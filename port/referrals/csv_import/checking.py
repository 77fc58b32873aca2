"""Checking a batch: every row parsed and validated with its problems, duplicates in the file flagged,
and rows this agency already sent recognised (intake is idempotent on `external_id`), against the
database as it is now. Writes nothing."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from port.referrals.csv_import.columns import COLUMN_NAMES, column_for_field
from port.referrals.csv_import.parsing import default_source_for, parse_row
from port.referrals.csv_import.reading import read_table
from port.referrals.intake import (
    ReferralSubmission,
    reference_reused_message,
    same_referral,
    validate_submission,
)
from port.referrals.models import Referral, ReferralImport

# Checking a batch: every row, with its problems, against the database as it is now.


@dataclass(frozen=True)
class RowProblem:
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


class RowState:
    READY = "ready"
    ALREADY_RECEIVED = "already_received"
    PROBLEM = "problem"


@dataclass
class ImportRow:
    number: int
    cells: list[tuple[str, str]]
    submission: ReferralSubmission
    problems: list[RowProblem] = field(default_factory=list)
    existing: Referral | None = None

    @property
    def state(self) -> str:
        if self.existing is not None:
            return RowState.ALREADY_RECEIVED
        return RowState.PROBLEM if self.problems else RowState.READY

    @property
    def is_valid(self) -> bool:
        return self.state != RowState.PROBLEM

    @property
    def name(self) -> str:
        person = self.submission.participant
        first = person.preferred_name or person.first_name
        return f"{first} {person.last_name}".strip()


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    blank_rows: int = 0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def _with(self, state: str) -> list[ImportRow]:
        return [row for row in self.rows if row.state == state]

    @property
    def ready(self) -> list[ImportRow]:
        return self._with(RowState.READY)

    @property
    def already_received(self) -> list[ImportRow]:
        return self._with(RowState.ALREADY_RECEIVED)

    @property
    def with_problems(self) -> list[ImportRow]:
        return self._with(RowState.PROBLEM)

    @property
    def valid_count(self) -> int:
        return self.row_count - len(self.with_problems)

    @property
    def without_external_id(self) -> int:
        return sum(1 for row in self.rows if not row.submission.external_id)


_COLUMN_ORDER = {name: position for position, name in enumerate(COLUMN_NAMES)}


def referral_import_check(*, batch: ReferralImport, now: dt.datetime | None = None) -> ImportCheck:
    """Parse and validate every row of a batch as the database stands now.

    A row whose external_id this agency already sent is "already received": intake answers such a
    row with the referral it made before, whatever the row says now, so it is never a problem.
    """
    now = now or timezone.now()
    program = batch.program
    # validate_submission reads the program's acuity levels for every row: fetch them once.
    prefetch_related_objects([program], "acuity_levels")
    table = read_table(batch.content, max_rows=max(batch.row_count, settings.INTAKE_CSV_MAX_ROWS))
    default_source = default_source_for(batch.agency)
    rows: list[ImportRow] = []
    first_seen: dict[str, int] = {}
    for csv_row in table.rows:
        submission, parse_problems = parse_row(table.values(csv_row), zone=program.zone, default_source=default_source)
        _acuity, errors = validate_submission(program=program, submission=submission, now=now)
        problems = dict(parse_problems)
        for path, message in errors.items():
            problems.setdefault(column_for_field(path), message)
        external_id = submission.external_id
        if external_id:
            if external_id in first_seen:
                problems.setdefault(
                    "external_id",
                    _("This external_id is also on row %(row)d: each referral can be in the file only once.")
                    % {"row": first_seen[external_id]},
                )
            first_seen.setdefault(external_id, csv_row.number)
        rows.append(
            ImportRow(
                number=csv_row.number,
                cells=table.original_cells(csv_row),
                submission=submission,
                problems=sorted(
                    (RowProblem(column, message) for column, message in problems.items()),
                    key=lambda p: _COLUMN_ORDER.get(p.column, len(_COLUMN_ORDER)),
                ),
            )
        )
    existing = _already_received(batch=batch, external_ids=list(first_seen))
    for row in rows:
        sent = existing.get(row.submission.external_id)
        if sent is None:
            continue
        if same_referral(sent, row.submission):
            row.existing = sent
        elif not any(problem.column == "external_id" for problem in row.problems):
            # The same number about someone else is not a resend: intake would refuse it.
            row.problems = sorted(
                [*row.problems, RowProblem("external_id", reference_reused_message())],
                key=lambda p: _COLUMN_ORDER.get(p.column, len(_COLUMN_ORDER)),
            )
    return ImportCheck(rows=rows, blank_rows=table.blank_rows)


def _already_received(*, batch: ReferralImport, external_ids: list[str]) -> dict[str, Referral]:
    if not external_ids:
        return {}
    # Staff without an agency have no agency to be idempotent for; their own earlier uploads
    # (no agency, same external_id) count, so uploading the same file twice never duplicates.
    sent = Referral.objects.filter(program_id=batch.program_id, external_id__in=external_ids)
    sent = (
        sent.filter(referring_agency_id=batch.agency_id)
        if batch.agency_id
        else sent.filter(referring_agency__isnull=True)
    )
    # What was sent and the overdose time tell a resend from a reused number (intake.same_referral).
    sent = sent.select_related("overdose_event", "participant").only(
        "pk",
        "public_id",
        "external_id",
        "participant_id",
        "status",
        "submitted_participant",
        "overdose_event__occurred_at",
        "participant__first_name",
        "participant__last_name",
        "participant__date_of_birth",
    )
    return {referral.external_id: referral for referral in sent}
