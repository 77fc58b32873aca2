"""What a reader makes of a file, before anything touches the database: rows per HSDS table, each with
its values (model field -> Python value), its links (HSDS link field -> HSDS id), what it keeps in
hsds_extra, and where it came from; and every problem found, with where and which field."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from port.directory.hsds.tables import TABLES, Table


@dataclass
class Problem:
    where: str  # "services.csv row 3", "organization_full.json › services[0]"
    field: str  # the HSDS field (or column header); "" for the whole record or file
    message: str
    fatal: bool = True  # False: a note; the record is imported as described

    def __str__(self) -> str:
        what = f"{self.where}, {self.field}" if self.field else self.where
        return f"{what}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "field": self.field, "message": self.message, "fatal": self.fatal}


@dataclass
class Row:
    table: str
    id: uuid.UUID
    where: str
    values: dict[str, Any] = field(default_factory=dict)  # model field name -> value
    links: dict[str, uuid.UUID] = field(default_factory=dict)  # HSDS link field -> HSDS id
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    def problem(self, field_name: str, message: str, *, fatal: bool = True) -> None:
        self.problems.append(Problem(self.where, field_name, message, fatal))


@dataclass
class Dataset:
    rows: dict[str, dict[uuid.UUID, Row]] = field(default_factory=lambda: {name: {} for name in TABLES})
    problems: list[Problem] = field(default_factory=list)  # file-level, and rows without a usable id
    # Attributes this import owns for these records (spreadsheet flags): linked PORT terms not in the
    # file are removed. {record HSDS id: set of term HSDS ids the mapping manages}
    managed_attributes: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        """Add `row`, or merge it into the row with the same id (the JSON form repeats one phone under
        its service, location and organization): links and extras add up, a value fills a blank."""
        seen = self.rows[row.table].get(row.id)
        if seen is None:
            self.rows[row.table][row.id] = row
            return row
        for name, value in row.values.items():
            if seen.values.get(name) in (None, "") and value not in (None, ""):
                seen.values[name] = value
            seen.values.setdefault(name, value)
        for name, value in row.links.items():
            seen.links.setdefault(name, value)
        for name, value in row.extra.items():
            seen.extra.setdefault(name, value)
        seen.problems += [p for p in row.problems if str(p) not in {str(q) for q in seen.problems}]
        return seen

    def all_problems(self) -> list[Problem]:
        out = list(self.problems)
        for table in self.rows.values():
            for row in table.values():
                out += row.problems
        return out


def parse_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


_URL = URLValidator(schemes=["http", "https", "ftp", "ftps", "mailto", "tel"])
_EMAIL = EmailValidator()


def coerce(f: models.Field, value: Any, *, from_text: bool) -> tuple[Any, str]:
    """`value` (a JSON value, or a CSV cell when `from_text`) as the model field's value, or a reason it
    cannot be. Blank is the field's empty value."""
    if value is None or (isinstance(value, str) and value.strip() == "" and not isinstance(f, models.TextField)):
        return (None if f.null else ""), ""
    if isinstance(f, (models.FloatField, models.IntegerField, models.PositiveIntegerField)):
        number: float | int
        if isinstance(value, bool):
            return None, "must be a number, not true or false"
        if isinstance(value, (int, float)) and not from_text:
            number = value
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return None, f"“{value[:40]}” is not a number"
        else:
            return None, f"must be a number, not {type(value).__name__}"
        if not math.isfinite(number):
            return None, "must be a finite number"
        if isinstance(f, models.FloatField):
            return float(number), ""
        if number != int(number):
            return None, f"{number} is not a whole number"
        if isinstance(f, (models.PositiveIntegerField, models.PositiveSmallIntegerField)) and number < 0:
            return None, f"{int(number)} is negative"
        if isinstance(f, models.PositiveSmallIntegerField) and number > 32767:
            return None, f"{int(number)} is too large"
        return int(number), ""
    if isinstance(f, models.UUIDField):
        parsed_id = parse_uuid(value)
        return (parsed_id, "") if parsed_id else (None, f"“{str(value)[:40]}” is not a UUID")
    if not isinstance(value, str):
        return None, f"must be text, not {'a list' if isinstance(value, list) else type(value).__name__}"
    text = value.strip() if not isinstance(f, models.TextField) else value
    if isinstance(f, models.DateTimeField):
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            return None, f"“{text[:40]}” is not a date and time (YYYY-MM-DDTHH:MM:SSZ)"
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed, ""
    if isinstance(f, models.DateField):
        try:
            day = parse_date(text[:10]) if len(text) >= 10 else None
        except ValueError:
            day = None
        if day is None:
            return None, f"“{text[:40]}” is not a date (YYYY-MM-DD)"
        return day, ""
    if isinstance(f, models.TimeField):
        try:
            moment = parse_time(text)
        except ValueError:
            moment = None
        if moment is None:
            return None, f"“{text[:40]}” is not a time (HH:MM or HH:MM:SS)"
        return moment, ""
    if f.choices:
        allowed = [str(choice) for choice, _label in f.flatchoices]
        if text not in allowed:
            return None, f"“{text[:40]}” is not one of: {', '.join(allowed)}"
        return text, ""
    if isinstance(f, models.URLField):
        try:
            _URL(text)
        except ValidationError:
            return None, f"“{text[:60]}” is not a web address"
    if isinstance(f, models.EmailField):
        try:
            _EMAIL(text)
        except ValidationError:
            return None, f"“{text[:60]}” is not an email address"
    max_length = getattr(f, "max_length", None)
    if max_length and not isinstance(f, models.TextField) and len(text) > max_length:
        return None, f"is {len(text)} characters long; at most {max_length} fit"
    return text, ""


def read_record(table: Table, data: dict[str, Any], where: str, *, from_text: bool) -> Row | None:
    """One HSDS object (or CSV row as a dict) of a stored table into a Row; None (with the problem on
    `problems`) when it has no usable id. Unknown and extra keys are the caller's."""
    raw_id = data.get("id")
    row_id = parse_uuid(raw_id)
    row = Row(table.name, row_id or uuid.UUID(int=0), where)
    if row_id is None:
        row.problem(
            "id",
            "missing: every HSDS record needs an id" if raw_id in (None, "") else f"“{str(raw_id)[:40]}” is not a UUID",
        )
        return row
    for name in table.required:
        present = data.get(name)
        if present is None or (isinstance(present, str) and not present.strip() and name != "description"):
            row.problem(name, "missing: HSDS requires it")
    for hsds_name, model_field in table.fields():
        if hsds_name not in data:
            continue
        value, reason = coerce(model_field, data[hsds_name], from_text=from_text)
        if reason:
            row.problem(hsds_name, reason)
        else:
            row.values[model_field.name] = value
    for link in table.links:
        raw = data.get(link.hsds)
        if raw in (None, ""):
            continue
        target = parse_uuid(raw)
        if target is None:
            row.problem(link.hsds, f"“{str(raw)[:40]}” is not a UUID")
        else:
            row.links[link.hsds] = target
    return row
