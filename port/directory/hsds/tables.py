"""What PORT stores of HSDS 3.0, table by table: one definition the readers, the plan and the exports share.

A stored table has a model; its HSDS fields are the model's columns (with a few renames), its HSDS link
fields (`organization_id`, `service_id`...) are the model's foreign keys. Every other HSDS part (the
`EXTRA_TABLES`: funding, contacts, cost options...) is kept whole in the owning record's `hsds_extra`
under the key the nested JSON form uses, so an export gives it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from port.accounts.models import Organization
from port.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# Model columns that are not HSDS fields.
_NOT_HSDS = {"id", "program", "hsds_id", "hsds_extra", "updated_at", "kind"}


@dataclass(frozen=True)
class Link:
    hsds: str  # the HSDS link field, e.g. "organization_id"
    model_field: str  # the model's foreign key, e.g. "organization"
    table: str  # the stored table it points at
    required: bool = False


@dataclass(frozen=True)
class Nest:
    """A nested part of a table's JSON form: `key` holds one (`many=False`) or a list of `table` objects;
    `link` is the child's link field set to the parent's id (or, for a single object the parent points
    at, the parent's link field set to the child's id: `parent_link`)."""

    key: str
    table: str
    link: str = ""
    many: bool = True
    parent_link: str = ""


@dataclass(frozen=True)
class Table:
    name: str  # HSDS table name, singular ("service")
    model: type[models.Model]
    csv_name: str  # the tabular form's file name
    api_name: str  # the export's JSON file name (the HSDS API list)
    required: tuple[str, ...]  # HSDS required fields besides id (schema/*.json "required")
    links: tuple[Link, ...] = ()
    nests: tuple[Nest, ...] = ()
    renames: dict[str, str] = field(default_factory=dict)  # HSDS field -> model field
    csv_columns: tuple[str, ...] = ()  # the tabular form's header, in the spec's order

    def fields(self) -> list[tuple[str, models.Field]]:
        """(HSDS name, model field) for every plain column."""
        back = {model: hsds for hsds, model in self.renames.items()}
        out = []
        for f in self.model._meta.concrete_fields:
            if f.name in _NOT_HSDS or f.is_relation:
                continue
            out.append((back.get(f.name, f.name), f))
        return out


_ATTR = Nest("attributes", "attribute", "link_id")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "taxonomy",
            Taxonomy,
            "taxonomies.csv",
            "taxonomies.json",
            ("name", "description"),
            csv_columns=("id", "name", "description", "uri", "version"),
        ),
        Table(
            "taxonomy_term",
            TaxonomyTerm,
            "taxonomy_terms.csv",
            "taxonomy_terms.json",
            ("name", "description"),
            links=(Link("taxonomy_id", "taxonomy", "taxonomy"), Link("parent_id", "parent", "taxonomy_term")),
            nests=(Nest("taxonomy_detail", "taxonomy", many=False, parent_link="taxonomy_id"),),
            renames={"taxonomy": "taxonomy_name"},
            csv_columns=(
                "id",
                "code",
                "name",
                "description",
                "parent_id",
                "taxonomy",
                "language",
                "taxonomy_id",
                "term_uri",
            ),
        ),
        Table(
            "organization",
            Organization,
            "organizations.csv",
            "organizations.json",
            ("name", "description"),
            links=(Link("parent_organization_id", "parent", "organization"),),
            nests=(
                Nest("phones", "phone", "organization_id"),
                Nest("locations", "location", "organization_id"),
                Nest("services", "service", "organization_id"),
                _ATTR,
            ),
            csv_columns=(
                "id",
                "name",
                "alternate_name",
                "description",
                "email",
                "website",
                "tax_status",
                "tax_id",
                "year_incorporated",
                "legal_status",
                "logo",
                "uri",
                "parent_organization_id",
            ),
        ),
        Table(
            "location",
            Location,
            "locations.csv",
            "locations.json",
            ("location_type",),
            links=(Link("organization_id", "organization", "organization"),),
            nests=(
                Nest("languages", "language", "location_id"),
                Nest("addresses", "address", "location_id"),
                Nest("phones", "phone", "location_id"),
                Nest("schedules", "schedule", "location_id"),
                _ATTR,
            ),
            csv_columns=(
                "id",
                "location_type",
                "url",
                "organization_id",
                "name",
                "alternate_name",
                "description",
                "transportation",
                "latitude",
                "longitude",
                "external_identifier",
                "external_identifier_type",
            ),
        ),
        Table(
            "service",
            Service,
            "services.csv",
            "services.json",
            ("name", "status"),
            links=(Link("organization_id", "organization", "organization", required=True),),
            nests=(
                Nest("organization", "organization", many=False, parent_link="organization_id"),
                Nest("phones", "phone", "service_id"),
                Nest("schedules", "schedule", "service_id"),
                Nest("service_at_locations", "service_at_location", "service_id"),
                Nest("languages", "language", "service_id"),
                _ATTR,
            ),
            csv_columns=(
                "id",
                "organization_id",
                "program_id",
                "name",
                "alternate_name",
                "description",
                "url",
                "email",
                "status",
                "interpretation_services",
                "application_process",
                "fees_description",
                "wait_time",
                "fees",
                "accreditations",
                "eligibility_description",
                "minimum_age",
                "maximum_age",
                "assured_date",
                "assurer_email",
                "licenses",
                "alert",
                "last_modified",
            ),
        ),
        Table(
            "address",
            Address,
            "addresses.csv",
            "",
            ("address_1", "city", "state_province", "postal_code", "country", "address_type"),
            links=(Link("location_id", "location", "location", required=True),),
            nests=(_ATTR,),
            csv_columns=(
                "id",
                "location_id",
                "attention",
                "address_1",
                "address_2",
                "city",
                "region",
                "state_province",
                "postal_code",
                "country",
                "address_type",
            ),
        ),
        Table(
            "service_at_location",
            ServiceAtLocation,
            "service_at_location.csv",
            "service_at_locations.json",
            (),
            links=(
                Link("service_id", "service", "service", required=True),
                Link("location_id", "location", "location", required=True),
            ),
            nests=(
                Nest("phones", "phone", "service_at_location_id"),
                Nest("schedules", "schedule", "service_at_location_id"),
                Nest("location", "location", many=False, parent_link="location_id"),
                Nest("service", "service", many=False, parent_link="service_id"),
                _ATTR,
            ),
            csv_columns=("id", "service_id", "location_id", "description"),
        ),
        Table(
            "phone",
            Phone,
            "phones.csv",
            "",
            ("number",),
            links=(
                Link("location_id", "location", "location"),
                Link("service_id", "service", "service"),
                Link("organization_id", "organization", "organization"),
                Link("service_at_location_id", "service_at_location", "service_at_location"),
            ),
            nests=(Nest("languages", "language", "phone_id"), _ATTR),
            csv_columns=(
                "id",
                "location_id",
                "service_id",
                "organization_id",
                "contact_id",
                "service_at_location_id",
                "number",
                "extension",
                "type",
                "description",
            ),
        ),
        Table(
            "schedule",
            Schedule,
            "schedules.csv",
            "",
            (),
            links=(
                Link("service_id", "service", "service"),
                Link("location_id", "location", "location"),
                Link("service_at_location_id", "service_at_location", "service_at_location"),
            ),
            nests=(_ATTR,),
            csv_columns=(
                "id",
                "service_id",
                "location_id",
                "service_at_location_id",
                "valid_from",
                "valid_to",
                "dtstart",
                "timezone",
                "until",
                "count",
                "wkst",
                "freq",
                "interval",
                "byday",
                "byweekno",
                "bymonthday",
                "byyearday",
                "description",
                "opens_at",
                "closes_at",
                "schedule_link",
                "attending_type",
                "notes",
            ),
        ),
        Table(
            "language",
            Language,
            "languages.csv",
            "",
            (),
            links=(
                Link("service_id", "service", "service"),
                Link("location_id", "location", "location"),
                Link("phone_id", "phone", "phone"),
            ),
            nests=(_ATTR,),
            csv_columns=("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
        ),
        Table(
            "attribute",
            Attribute,
            "attributes.csv",
            "",
            (),
            links=(Link("taxonomy_term_id", "taxonomy_term", "taxonomy_term", required=True),),
            nests=(Nest("taxonomy_term", "taxonomy_term", many=False, parent_link="taxonomy_term_id"),),
            csv_columns=("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
        ),
    )
}
# The order records are written in: every table after the tables it links to.
WRITE_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "service",
    "address",
    "service_at_location",
    "phone",
    "schedule",
    "language",
    "attribute",
)


@dataclass(frozen=True)
class Extra:
    """An HSDS part PORT keeps whole in its owner's hsds_extra: `key` in the owner's JSON form, `owners`
    the (link column, owner table) pairs of its tabular form, most specific first."""

    name: str
    key: str
    csv_name: str
    owners: tuple[tuple[str, str], ...]
    many: bool = True
    csv_columns: tuple[str, ...] = ()


EXTRAS: dict[str, Extra] = {
    e.name: e
    for e in (
        Extra(
            "funding",
            "funding",
            "funding.csv",
            (("service_id", "service"), ("organization_id", "organization")),
            csv_columns=("id", "organization_id", "service_id", "source"),
        ),
        Extra(
            "contact",
            "contacts",
            "contacts.csv",
            (
                ("service_at_location_id", "service_at_location"),
                ("service_id", "service"),
                ("location_id", "location"),
                ("organization_id", "organization"),
            ),
            csv_columns=(
                "id",
                "organization_id",
                "service_id",
                "service_at_location_id",
                "location_id",
                "name",
                "title",
                "department",
                "email",
            ),
        ),
        Extra(
            "cost_option",
            "cost_options",
            "cost_options.csv",
            (("service_id", "service"),),
            csv_columns=(
                "id",
                "service_id",
                "valid_from",
                "valid_to",
                "option",
                "currency",
                "amount",
                "amount_description",
            ),
        ),
        Extra(
            "required_document",
            "required_documents",
            "required_documents.csv",
            (("service_id", "service"),),
            csv_columns=("id", "service_id", "document", "uri"),
        ),
        Extra(
            "service_area",
            "service_areas",
            "service_areas.csv",
            (("service_id", "service"),),
            csv_columns=("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
        ),
        Extra(
            "accessibility",
            "accessibility",
            "accessibility.csv",
            (("location_id", "location"),),
            csv_columns=("id", "location_id", "description", "details", "url"),
        ),
        Extra(
            "organization_identifier",
            "organization_identifiers",
            "organization_identifiers.csv",
            (("organization_id", "organization"),),
            csv_columns=("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
        ),
        Extra(
            "program",
            "programs",
            "programs.csv",
            (("organization_id", "organization"),),
            csv_columns=("id", "organization_id", "name", "alternate_name", "description"),
        ),
        Extra(
            "metadata",
            "metadata",
            "metadata.csv",
            (("resource_id", "*"),),
            csv_columns=(
                "id",
                "resource_id",
                "resource_type",
                "last_action_date",
                "last_action_type",
                "field_name",
                "previous_value",
                "replacement_value",
                "updated_by",
            ),
        ),
    )
}
# Keys of the JSON form kept whole in hsds_extra, wherever they appear (a service's single `program` too).
EXTRA_KEYS = {e.key for e in EXTRAS.values()} | {"program"}
