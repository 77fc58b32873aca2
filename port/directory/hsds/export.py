"""The directory out, as HSDS 3.0: the API's full objects (`hsds_json`) and the tabular form (`hsds_csv`).

Everything is read with one query per table and assembled in memory, so the number of queries does not
grow with the directory. Each object carries what its record keeps in hsds_extra (funding, contacts,
metadata...) back where it came from; an attribute appears under the record its link_id names."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import models

from port.accounts.models import Program
from port.core.csv import csv_lines, csv_safe
from port.directory.hsds.tables import EXTRAS, TABLES, WRITE_ORDER

JSON_FILES = (
    "organizations.json",
    "services.json",
    "locations.json",
    "service_at_locations.json",
    "taxonomies.json",
    "taxonomy_terms.json",
)
_REQUIRED_TEXT = {"description"}  # HSDS requires it on organizations, taxonomies and terms: "" when blank


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class Directory:
    """A program's whole directory, read once."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.records: dict[str, list[Any]] = {}
        self.hsds: dict[str, dict[int, uuid.UUID]] = {}
        for table in WRITE_ORDER:
            model = TABLES[table].model
            self.records[table] = list(model._default_manager.filter(program=program).order_by("pk"))
            self.hsds[table] = {r.pk: r.hsds_id for r in self.records[table]}
        self.by_pk = {t: {r.pk: r for r in rs} for t, rs in self.records.items()}
        self.children: dict[tuple[str, str], dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for table, records in self.records.items():
            for link in TABLES[table].links:
                for r in records:
                    target = getattr(r, f"{link.model_field}_id")
                    if target is not None:
                        self.children[(table, link.hsds)][target].append(r)
        self.attributes: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for a in self.records["attribute"]:
            self.attributes[a.link_id].append(a)

    def _kids(self, table: str, link: str, parent: Any) -> list[Any]:
        return self.children[(table, link)].get(parent.pk, [])

    def base(self, table: str, record: Any) -> dict[str, Any]:
        spec = TABLES[table]
        out: dict[str, Any] = {"id": str(record.hsds_id)}
        for hsds_name, f in spec.fields():
            value = getattr(record, f.attname)
            if value is None or (value == "" and hsds_name not in _REQUIRED_TEXT):
                continue
            out[hsds_name] = _json_value(value)
        for link in spec.links:
            target = getattr(record, f"{link.model_field}_id")
            if target is not None:
                out[link.hsds] = str(self.hsds[link.table][target])
        for key, value in (record.hsds_extra or {}).items():
            out.setdefault(key, value)
        return out

    def attrs(self, record: Any) -> list[dict[str, Any]]:
        return [
            {**self.base("attribute", a), "taxonomy_term": self.term(self.by_pk["taxonomy_term"][a.taxonomy_term_id])}
            for a in self.attributes.get(record.hsds_id, [])
        ]

    def _with_attrs(self, out: dict[str, Any], record: Any) -> dict[str, Any]:
        attributes = self.attrs(record)
        if attributes:
            out["attributes"] = attributes
        return out

    def term(self, term: Any) -> dict[str, Any]:
        out = self.base("taxonomy_term", term)
        if term.taxonomy_id:
            out["taxonomy_detail"] = self.base("taxonomy", self.by_pk["taxonomy"][term.taxonomy_id])
        return out

    def phone(self, phone: Any) -> dict[str, Any]:
        out = self.base("phone", phone)
        out["languages"] = [
            self._with_attrs(self.base("language", x), x) for x in self._kids("language", "phone_id", phone)
        ]
        return self._with_attrs(out, phone)

    def location(self, location: Any) -> dict[str, Any]:
        out = self.base("location", location)
        out["languages"] = [
            self._with_attrs(self.base("language", x), x) for x in self._kids("language", "location_id", location)
        ]
        out["addresses"] = [
            self._with_attrs(self.base("address", x), x) for x in self._kids("address", "location_id", location)
        ]
        out["phones"] = [self.phone(x) for x in self._kids("phone", "location_id", location)]
        out["schedules"] = [
            self._with_attrs(self.base("schedule", x), x) for x in self._kids("schedule", "location_id", location)
        ]
        return self._with_attrs(out, location)

    def service_at_location(self, sal: Any, *, with_service: bool) -> dict[str, Any]:
        out = self.base("service_at_location", sal)
        out["phones"] = [self.phone(x) for x in self._kids("phone", "service_at_location_id", sal)]
        out["schedules"] = [
            self._with_attrs(self.base("schedule", x), x) for x in self._kids("schedule", "service_at_location_id", sal)
        ]
        out["location"] = self.location(self.by_pk["location"][sal.location_id])
        if with_service:
            service = self.by_pk["service"][sal.service_id]
            out["service"] = {
                **self._with_attrs(self.base("service", service), service),
                "organization": self.base("organization", self.by_pk["organization"][service.organization_id]),
            }
        return self._with_attrs(out, sal)

    def service(self, service: Any, *, with_organization: bool = True) -> dict[str, Any]:
        out = self.base("service", service)
        out["phones"] = [self.phone(x) for x in self._kids("phone", "service_id", service)]
        out["schedules"] = [
            self._with_attrs(self.base("schedule", x), x) for x in self._kids("schedule", "service_id", service)
        ]
        out["service_at_locations"] = [
            self.service_at_location(x, with_service=False)
            for x in self._kids("service_at_location", "service_id", service)
        ]
        out["languages"] = [
            self._with_attrs(self.base("language", x), x) for x in self._kids("language", "service_id", service)
        ]
        if with_organization:
            out["organization"] = self.base("organization", self.by_pk["organization"][service.organization_id])
        return self._with_attrs(out, service)

    def organization(self, org: Any) -> dict[str, Any]:
        out = self.base("organization", org)
        out["phones"] = [self.phone(x) for x in self._kids("phone", "organization_id", org)]
        out["locations"] = [self.location(x) for x in self._kids("location", "organization_id", org)]
        out["services"] = [
            self.service(x, with_organization=False) for x in self._kids("service", "organization_id", org)
        ]
        return self._with_attrs(out, org)

    def organizations_in_directory(self) -> list[Any]:
        """The organizations the directory has something of (services or locations), or that came from
        HSDS (their hsds_extra), not every sender and agency the program knows."""
        used = {r.organization_id for t in ("service", "location", "phone") for r in self.records[t]}
        return [o for o in self.records["organization"] if o.pk in used or o.hsds_extra]

    def json_files(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "organizations.json": [self.organization(o) for o in self.organizations_in_directory()],
            "services.json": [self.service(s) for s in self.records["service"]],
            "locations.json": [self.location(x) for x in self.records["location"]],
            "service_at_locations.json": [
                self.service_at_location(x, with_service=True) for x in self.records["service_at_location"]
            ],
            "taxonomies.json": [self.base("taxonomy", x) for x in self.records["taxonomy"]],
            "taxonomy_terms.json": [self.term(x) for x in self.records["taxonomy_term"]],
        }

    # The tabular form.

    def csv_tables(self) -> dict[str, tuple[tuple[str, ...], list[list[Any]]]]:
        out: dict[str, tuple[tuple[str, ...], list[list[Any]]]] = {}
        organizations = {o.pk for o in self.organizations_in_directory()}
        for table in WRITE_ORDER:
            spec = TABLES[table]
            records = self.records[table]
            if table == "organization":
                records = [r for r in records if r.pk in organizations]
            rows = []
            for record in records:
                values = self.base(table, record)
                rows.append([_cell(spec.model, values.get(column)) for column in spec.csv_columns])
            out[spec.csv_name] = (spec.csv_columns, rows)
        for extra in EXTRAS.values():
            rows = []
            for table in WRITE_ORDER:
                for record in self.records[table]:
                    for item in (
                        (record.hsds_extra or {}).get(extra.key, [])
                        if isinstance((record.hsds_extra or {}).get(extra.key), list)
                        else []
                    ):
                        if not isinstance(item, dict):
                            continue
                        item = dict(item)
                        for column, owner in extra.owners:
                            if owner in (table, "*"):
                                item.setdefault(column, str(record.hsds_id))
                                if owner == "*":
                                    item.setdefault("resource_type", table)
                                break
                        rows.append([_cell(None, item.get(column)) for column in extra.csv_columns])
            out[extra.csv_name] = (extra.csv_columns, rows)
        return out


def _cell(model: type[models.Model] | None, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        return csv_safe(json.dumps(value, ensure_ascii=False))
    return csv_safe(value)


def _frictionless_type(f: models.Field | None) -> dict[str, str]:
    if f is None:
        return {"type": "string"}
    if isinstance(f, (models.IntegerField,)):
        return {"type": "integer"}
    if isinstance(f, models.FloatField):
        return {"type": "number"}
    if isinstance(f, models.DateTimeField):
        return {"type": "datetime"}
    if isinstance(f, models.DateField):
        return {"type": "date"}
    if isinstance(f, models.TimeField):
        return {"type": "time"}
    if isinstance(f, models.UUIDField):
        return {"type": "string", "format": "uuid"}
    if isinstance(f, models.EmailField):
        return {"type": "string", "format": "email"}
    if isinstance(f, models.URLField):
        return {"type": "string", "format": "uri"}
    return {"type": "string"}


def datapackage(program: Program, tables: dict[str, tuple[tuple[str, ...], list[list[Any]]]]) -> dict[str, Any]:
    """A Frictionless tabular data package descriptor for the CSV files."""
    by_csv = {TABLES[t].csv_name: TABLES[t] for t in WRITE_ORDER}
    resources = []
    for csv_name, (header, _rows) in tables.items():
        spec = by_csv.get(csv_name)
        fields_by_name = {h: f for h, f in spec.fields()} if spec else {}
        fields = []
        for column in header:
            if column == "id" or column.endswith("_id"):
                kind = {"type": "string", "format": "uuid"}
            elif column == "amount":
                kind = {"type": "number"}
            else:
                kind = _frictionless_type(fields_by_name.get(column))
            fields.append({"name": column, **kind})
        resources.append(
            {
                "name": csv_name.removesuffix(".csv"),
                "path": csv_name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": ["id"]},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"hsds-{program.slug}",
        "title": f"{program.name} resource directory (Open Referral HSDS 3.0)",
        "resources": resources,
    }


def hsds_json_files(program: Program) -> dict[str, bytes]:
    files = Directory(program).json_files()
    return {name: json.dumps(objects, ensure_ascii=False, indent=2).encode() for name, objects in files.items()}


def hsds_csv_files(program: Program) -> dict[str, bytes]:
    tables = Directory(program).csv_tables()
    out = {name: "".join(csv_lines(header, rows, neutralise=False)).encode() for name, (header, rows) in tables.items()}
    out["datapackage.json"] = json.dumps(datapackage(program, tables), indent=2).encode()
    return out


def export_files(program: Program, format_name: str) -> dict[str, bytes]:
    if format_name == "hsds-json":
        return hsds_json_files(program)
    if format_name == "hsds-csv":
        return hsds_csv_files(program)
    raise ValueError(f"unknown export format {format_name!r}: hsds-json or hsds-csv")


def export_lines(files: dict[str, bytes]) -> Iterator[str]:
    for name, content in files.items():
        yield f"{name}: {len(content)} bytes"
