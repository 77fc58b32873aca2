"""Any spreadsheet a program keeps, through a column mapping (port.directory.models.DirectoryMapping).

Each row becomes an organization (rows with the same organization name share it), a service, a location
with its address and coordinates, the service at that location, a phone, opening hours as a schedule's
description, languages, and an HSDS attribute for every yes/no flag column that says yes (PORT's
categories and features: treatment.buprenorphine, features.same_day_start...). Record ids are uuid5 of
the program, the mapping's name and the row's key cells, so importing the same sheet again updates what
it added. Built-in mappings for known sources (BUILT_IN) are created for a program on demand."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from port.accounts.models import Program
from port.directory.categories import BY_CODE, term_hsds_id
from port.directory.hsds.csv_io import read_csv_text
from port.directory.hsds.dataset import Dataset, Problem, Row, coerce
from port.directory.hsds.tables import TABLES
from port.directory.models import DirectoryMapping, TaxonomyTerm

NAMESPACE = uuid.UUID("0f3b8a4e-6f55-4a8e-9a51-2d7c1f6e9b10")

# What a column may be mapped to: "table.field" for the stored tables' fields, and a few helpers.
TARGETS = {
    **{f"organization.{h}": "" for h, _f in TABLES["organization"].fields()},
    **{f"service.{h}": "" for h, _f in TABLES["service"].fields()},
    **{f"location.{h}": "" for h, _f in TABLES["location"].fields()},
    **{f"address.{h}": "" for h, _f in TABLES["address"].fields()},
    "phone.number": "",
    "schedule.description": "opening hours as written",
    "language.names": "languages, separated by commas or semicolons",
    "address.full": "a one-line address: street, city, state, ZIP",
}
DEFAULT_TRUE = ["yes", "y", "x", "true", "1", "t"]
_FALSE = {"no", "n", "false", "0", "f", "", "na", "n/a"}

BUILT_IN: dict[str, dict[str, Any]] = {
    "samhsa-programs": {
        "description": "SAMHSA opioid treatment programs (Pennsylvania): Program.Name, DBA, address, phone, "
        "certification, and latitude/longitude in the geocoded file.",
        "key_columns": ["Program.Name", "DBA"],
        "columns": {
            "Program.Name": "organization.name",
            "DBA": "service.alternate_name",
            "Street": "address.address_1",
            "City": "address.city",
            "State": "address.state_province",
            "Zipcode": "address.postal_code",
            "Address": "address.full",
            "Phone": "phone.number",
            "Certification": "service.accreditations",
            "latitude": "location.latitude",
            "longitude": "location.longitude",
        },
        "flags": {},
        "defaults": {"address.country": "US", "service.description": "Opioid treatment program"},
        "categories": ["treatment", "treatment.methadone", "treatment.buprenorphine"],
    },
    "philly-treatment-access": {
        "description": "Philadelphia DBHIDS treatment access points: Yes/No columns for buprenorphine, "
        "methadone, Vivitrol (naltrexone), same-day induction during walk-in hours, IOP, OP, mental health.",
        "key_columns": ["ProgramName", "Address"],
        "columns": {
            "ProgramName": "organization.name",
            "Address": "address.address_1",
            "Zip": "address.postal_code",
            "Phone": "phone.number",
            "Website": "service.url",
            "Notes (DBHIDS TAD)": "service.description",
        },
        "flags": {
            "Buprenorphine?": ["treatment.buprenorphine"],
            "Methadone?": ["treatment.methadone"],
            "Vivitrol?": ["treatment.naltrexone"],
            "Same-day induction during walk-in hours?": ["features.same_day_start", "features.walk_in"],
            "IOP": ["treatment.outpatient"],
            "OP": ["treatment.outpatient"],
            "MH Tx": ["mental_health"],
        },
        "defaults": {"address.city": "Philadelphia", "address.state_province": "PA", "address.country": "US"},
    },
    "open211-miami": {
        "description": "2-1-1 Miami provider records (open211-miami extracted_providers.csv).",
        "key_columns": ["provider_id"],
        "columns": {
            "provider_name": "organization.name",
            "provider_aka": "organization.alternate_name",
            "provider_description": "service.description",
            "eligibility": "service.eligibility_description",
            "intake_procedure": "service.application_process",
            "hours": "schedule.description",
            "languages": "language.names",
            "website_address": "service.url",
            "contact_email": "service.email",
            "telephone_number": "phone.number",
            "line1": "address.address_1",
            "line2": "address.address_2",
            "city": "address.city",
            "province": "address.state_province",
            "postal_code": "address.postal_code",
            "country": "address.country",
            "Latitude": "location.latitude",
            "Longitude": "location.longitude",
        },
        "flags": {},
        "defaults": {"address.country": "US"},
    },
}


def mapping_for(program: Program, name: str) -> DirectoryMapping:
    """The program's mapping of that name; a built-in one is created the first time it is asked for."""
    found = DirectoryMapping.objects.filter(program=program, name=name).first()
    if found is not None:
        return found
    if name not in BUILT_IN:
        raise LookupError(
            f"No mapping named “{name}” in {program.slug}. Built-in mappings: {', '.join(sorted(BUILT_IN))}; "
            "others are set in the admin (Directory mappings)."
        )
    spec = BUILT_IN[name]
    # get_or_create: two first uploads at once end with one mapping.
    found, _created = DirectoryMapping.objects.get_or_create(
        program=program,
        name=name,
        defaults={
            "description": spec["description"],
            "key_columns": spec["key_columns"],
            "columns": spec["columns"],
            "flags": spec["flags"],
            "true_values": DEFAULT_TRUE,
            "defaults": spec["defaults"],
        },
    )
    return found


def _clean(text: str) -> tuple[str, bool]:
    """Messy exported text: literal "\\n" for line breaks, ###MON###-style markers, stray spaces."""
    cleaned = text.replace("\\n", "\n").replace("\\r", "")
    cleaned = re.sub(r"#{3}[A-Z]+#{3}", "", cleaned)
    cleaned = re.sub(r"[ \t]+\n", "\n", cleaned).strip()
    return cleaned, cleaned != text.strip()


def _rows_of(name: str, raw: bytes, dataset: Dataset) -> list[tuple[int, dict[str, str]]] | None:
    if name.lower().endswith(".xlsx"):
        try:
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 (openpyxl raises many kinds for a damaged workbook)
            dataset.problems.append(Problem(name, "", f"not a readable Excel workbook ({type(exc).__name__})"))
            return None
        sheet = book.worksheets[0]
        cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        if not cells:
            dataset.problems.append(Problem(name, "", "the workbook's first sheet is empty"))
            return None
        header = [h.strip() for h in cells[0]]
        return [
            (n, {h: c for h, c in zip(header, row, strict=False) if h})
            for n, row in enumerate(cells[1:], start=2)
            if any(c.strip() for c in row)
        ]
    return read_csv_text(name, raw, dataset)


def read_spreadsheet(program: Program, mapping: DirectoryMapping, name: str, raw: bytes) -> Dataset:
    dataset = Dataset()
    rows = _rows_of(name, raw, dataset)
    if rows is None:
        return dataset
    if not rows:
        dataset.problems.append(Problem(name, "", "the file has a header but no rows"))
        return dataset
    header = set(rows[0][1])
    missing = [c for c in mapping.key_columns if c not in header]
    if missing:
        dataset.problems.append(
            Problem(
                name,
                "",
                f"the mapping “{mapping.name}” names its rows by {', '.join(missing)}, "
                "which this file does not have: is this the right mapping?",
            )
        )
        return dataset
    unknown = [t for t in mapping.columns.values() if t not in TARGETS]
    if unknown:
        dataset.problems.append(Problem(name, "", f"the mapping names unknown HSDS fields: {', '.join(unknown)}"))
        return dataset
    truthy = {v.strip().casefold() for v in (mapping.true_values or DEFAULT_TRUE)}
    terms = dict(
        TaxonomyTerm.objects.filter(
            program=program, code__in=[c for cs in mapping.flags.values() for c in cs]
        ).values_list("code", "hsds_id")
    )
    managed = {terms[c] for cs in mapping.flags.values() for c in cs if c in terms}
    seen_keys: dict[str, int] = {}

    def make_id(*parts: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, ":".join([program.slug, mapping.name, *parts]))

    for number, cells in rows:
        where = f"{name} row {number}"
        key = "|".join(cells.get(c, "").strip() for c in mapping.key_columns)
        if not key.strip("|"):
            dataset.problems.append(Problem(where, mapping.key_columns[0], "missing: the row has no key cells"))
            continue
        if key in seen_keys:
            dataset.problems.append(
                Problem(where, mapping.key_columns[0], f"the same key as row {seen_keys[key]}: imported once")
            )
            continue
        seen_keys[key] = number
        values: dict[str, dict[str, Any]] = {t: {} for t in ("organization", "service", "location", "address")}
        notes: list[Problem] = []
        extras: dict[str, str] = {}
        targets = {**{t: str(v) for t, v in (mapping.defaults or {}).items()}}
        for column, target in mapping.columns.items():
            cell = cells.get(column)
            if cell is None:
                continue
            cleaned, was_messy = _clean(cell)
            if was_messy:
                notes.append(Problem(where, column, "line breaks and markers in the text were tidied", fatal=False))
            if cleaned or target not in targets:
                targets[target] = cleaned
        if targets.get("address.full"):
            parts = [p.strip() for p in targets.pop("address.full").split(",")]
            if len(parts) >= 4:
                targets.setdefault("address.address_1", ", ".join(parts[:-3]))
                targets["address.address_1"] = targets["address.address_1"] or ", ".join(parts[:-3])
                targets.setdefault("address.city", parts[-3])
                targets.setdefault("address.state_province", parts[-2])
                targets.setdefault("address.postal_code", parts[-1])
            else:
                targets.setdefault("address.address_1", ", ".join(parts))
        url = targets.get("service.url", "")
        if url and not re.match(r"^[a-z]+://", url, re.I):
            targets["service.url"] = "http://" + url
            notes.append(Problem(where, "service.url", f"“{url[:60]}” had no http://: added", fatal=False))
        org_name = targets.get("organization.name", "").strip()
        if not org_name:
            dataset.problems.append(Problem(where, "organization.name", "missing: every row needs an organization"))
            continue
        targets.setdefault("service.name", org_name)
        targets["service.name"] = targets["service.name"] or org_name
        row_problems: list[Problem] = []
        for target, text in targets.items():
            table, _dot, field_name = target.partition(".")
            if table not in values:
                continue
            model_field = dict(TABLES[table].fields()).get(field_name)
            if model_field is None:
                continue
            value, reason = coerce(model_field, text, from_text=True)
            if reason:
                column = next((c for c, t in mapping.columns.items() if t == target), target)
                fatal = table in ("organization", "service") and field_name == "name"
                if table == "location" or model_field.blank:
                    notes.append(Problem(where, column, f"{reason}: left out", fatal=False))
                    continue
                row_problems.append(Problem(where, column, reason, fatal=fatal or True))
                continue
            values[table][model_field.name] = value
        lat, lon = values["location"].get("latitude"), values["location"].get("longitude")
        if (lat is None) != (lon is None) or (
            lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)
        ):
            notes.append(
                Problem(where, "location", "the coordinates are incomplete or out of range: left out", fatal=False)
            )
            values["location"].pop("latitude", None)
            values["location"].pop("longitude", None)

        org_id = uuid.uuid5(NAMESPACE, ":".join([program.slug, mapping.name, "organization", org_name.casefold()]))
        org = dataset.add(Row("organization", org_id, where, values["organization"]))
        service = Row("service", make_id(key, "service"), where, values["service"], {"organization_id": org.id})
        service.problems += row_problems + notes
        dataset.add(service)
        has_place = any(values["address"].get(f) for f in ("address_1", "city", "postal_code")) or lat is not None
        location = None
        if has_place:
            location = dataset.add(
                Row(
                    "location",
                    make_id(key, "location"),
                    where,
                    {"name": org_name[:300], **values["location"]},
                    {"organization_id": org.id},
                )
            )
            dataset.add(
                Row(
                    "service_at_location",
                    make_id(key, "sal"),
                    where,
                    {},
                    {"service_id": service.id, "location_id": location.id},
                )
            )
            address = values["address"]
            if address.get("address_1"):
                needed = [f for f in ("city", "state_province", "postal_code", "country") if not address.get(f)]
                if needed:
                    notes.append(
                        Problem(where, "address", f"no {', '.join(needed)}: the address was left out", fatal=False)
                    )
                    service.problems.append(notes[-1])
                else:
                    dataset.add(Row("address", make_id(key, "address"), where, address, {"location_id": location.id}))
        number_text = targets.get("phone.number", "").strip()
        if number_text:
            dataset.add(
                Row("phone", make_id(key, "phone"), where, {"number": number_text[:100]}, {"service_id": service.id})
            )
        hours = targets.get("schedule.description", "").strip()
        if hours:
            dataset.add(
                Row("schedule", make_id(key, "schedule"), where, {"description": hours}, {"service_id": service.id})
            )
        for language in re.split(r"[,;/]", targets.get("language.names", "")):
            language = language.strip()
            if language:
                dataset.add(
                    Row(
                        "language",
                        make_id(key, "language", language.casefold()),
                        where,
                        {"name": language[:100]},
                        {"service_id": service.id},
                    )
                )
        # Yes/no flags: PORT categories and features.
        flagged: set[str] = set()
        for column, codes in mapping.flags.items():
            cell = cells.get(column)
            if cell is None:
                continue
            answer = cell.strip().casefold()
            if answer in truthy:
                flagged |= set(codes)
            elif answer not in _FALSE:
                service.problems.append(
                    Problem(where, column, f"“{cell.strip()[:30]}” is not a yes or no: read as no", fatal=False)
                )
        for code in sorted(flagged):
            if code not in terms:
                service.problems.append(
                    Problem(where, "", f"the category {code} is not in this program's taxonomy", fatal=False)
                )
                continue
            dataset.add(
                Row(
                    "attribute",
                    make_id(key, "attribute", code),
                    where,
                    {"link_id": service.id, "link_entity": "service", "link_type": "category", "value": ""},
                    {"taxonomy_term_id": terms[code]},
                )
            )
        if managed:
            dataset.managed_attributes[service.id] = managed
        if extras:
            service.extra.update(extras)
    return dataset


__all__ = ["BUILT_IN", "BY_CODE", "TARGETS", "mapping_for", "read_spreadsheet", "term_hsds_id"]
