"""The resource directory, modelled on Open Referral HSDS 3.0 (../shared/data/hsds/spec-3.0/schema).

Every table is a program's own: two programs may import the same 2-1-1 file and edit their copies.
Each record keeps its HSDS `id` as `hsds_id` (a UUID, unique within the program), so re-importing a
source updates what it added before, and an export gives back the ids it was given. The organization
behind a service is port.accounts' `Organization`, the one record per organization the program has
(the same row a consent names and a hand-off goes to).

HSDS parts that PORT reads field by field are columns; the parts it only carries (funding, contacts,
cost options, required documents, service areas, accessibility, metadata...) are kept whole in each
record's `hsds_extra`, so nothing an import brought is lost on the way out.

Categories, and the search filters (walk-in, same-day start, accepts uninsured, accepts Medicaid), are
taxonomy terms linked to services by HSDS `attribute` rows, as HSDS does it: PORT's own taxonomy
(`port.directory.categories`) is seeded for every program, and a program may add terms to it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Organization, Program


class HsdsRecord(models.Model):
    """What every directory record has: its program, its HSDS id, what HSDS carries that PORT does not
    read, and when it was last edited here."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    hsds_id = models.UUIDField(default=uuid.uuid4, editable=False)
    hsds_extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def hsds_unique(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(fields=["program", "hsds_id"], name=name)


class Taxonomy(HsdsRecord):
    """A vocabulary of terms (HSDS `taxonomy`): PORT's own categories, or one an import brought (AIRS/211 LA...)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uri = models.URLField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "taxonomies"
        constraints = [HsdsRecord.hsds_unique("taxonomy_hsds_id_unique_in_program")]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsRecord):
    """One term of a taxonomy (HSDS `taxonomy_term`), possibly under a parent term."""

    taxonomy = models.ForeignKey(Taxonomy, null=True, blank=True, on_delete=models.CASCADE, related_name="terms")
    # HSDS's free-text `taxonomy` field, for a term whose taxonomy has no record of its own.
    taxonomy_name = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    language = models.CharField(max_length=20, blank=True)
    term_uri = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["taxonomy_id", "code", "name"]
        constraints = [HsdsRecord.hsds_unique("taxonomy_term_hsds_id_unique_in_program")]
        indexes = [models.Index(fields=["program", "code"], name="taxonomy_term_code")]

    def __str__(self) -> str:
        return self.name


class Service(HsdsRecord):
    """What an organization offers (HSDS `service`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.CharField(max_length=300, blank=True)
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # When someone last checked the entry with the provider: not the same as the last edit (updated_at).
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    # HSDS `last_modified` as the source gave it; updated_at is when it last changed here.
    last_modified = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [HsdsRecord.hsds_unique("service_hsds_id_unique_in_program")]
        indexes = [models.Index(fields=["program", "status"], name="service_program_status")]

    def __str__(self) -> str:
        return self.name


class Location(HsdsRecord):
    """Where services are delivered (HSDS `location`): a physical place, a postal address or a virtual one."""

    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    location_type = models.CharField(max_length=10, choices=Type.choices, default=Type.PHYSICAL)
    url = models.URLField(max_length=500, blank=True)
    name = models.CharField(max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.CharField(max_length=200, blank=True)
    external_identifier_type = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [HsdsRecord.hsds_unique("location_hsds_id_unique_in_program")]
        indexes = [models.Index(fields=["program", "latitude", "longitude"], name="location_coordinates")]

    def __str__(self) -> str:
        return self.name or str(self.hsds_id)


class Address(HsdsRecord):
    """A location's address (HSDS `address`)."""

    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField(max_length=300)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=200)
    region = models.CharField(max_length=200, blank=True)
    state_province = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    address_type = models.CharField(max_length=10, choices=Type.choices, default=Type.PHYSICAL)

    class Meta:
        ordering = ["location_id", "pk"]
        verbose_name_plural = "addresses"
        constraints = [HsdsRecord.hsds_unique("address_hsds_id_unique_in_program")]
        indexes = [models.Index(fields=["program", "postal_code"], name="address_postal_code")]

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class ServiceAtLocation(HsdsRecord):
    """A service delivered at one location (HSDS `service_at_location`)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["service_id", "pk"]
        constraints = [HsdsRecord.hsds_unique("service_at_location_hsds_id_unique_in_program")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class Phone(HsdsRecord):
    """A telephone number of an organization, service, location or service at a location (HSDS `phone`)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=100)
    extension = models.PositiveIntegerField(null=True, blank=True)
    type = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [HsdsRecord.hsds_unique("phone_hsds_id_unique_in_program")]

    def __str__(self) -> str:
        return self.number


class Schedule(HsdsRecord):
    """When a service, location or service at a location is open (HSDS `schedule`, iCalendar RRULE-like).

    A schedule with dates (valid_from..valid_to) and no hours is a closure on those days (a holiday)."""

    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules")
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    timezone = models.FloatField(null=True, blank=True, help_text=_("HSDS: the UTC offset, in hours."))
    until = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=100, blank=True)
    byweekno = models.CharField(max_length=100, blank=True)
    bymonthday = models.CharField(max_length=100, blank=True)
    byyearday = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.URLField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [HsdsRecord.hsds_unique("schedule_hsds_id_unique_in_program")]

    def __str__(self) -> str:
        return self.description or f"{self.byday} {self.opens_at}-{self.closes_at}"


class Language(HsdsRecord):
    """A language a service, location or phone line works in (HSDS `language`)."""

    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="languages")
    phone = models.ForeignKey(Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages")
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=20, blank=True, help_text=_("ISO 639, e.g. 'es'."))
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [HsdsRecord.hsds_unique("language_hsds_id_unique_in_program")]
        indexes = [models.Index(fields=["program", "code"], name="language_code")]

    def __str__(self) -> str:
        return self.name or self.code


class Attribute(HsdsRecord):
    """A taxonomy term attached to any directory record (HSDS `attribute`): a service's category, a
    location's accessibility, a filter such as 'accepts Medicaid'. `link_entity` names the HSDS table
    and `link_id` the record's HSDS id, as HSDS links them."""

    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes")
    link_entity = models.CharField(max_length=50)
    link_id = models.UUIDField()
    link_type = models.CharField(max_length=100, blank=True)
    value = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [HsdsRecord.hsds_unique("attribute_hsds_id_unique_in_program")]
        indexes = [
            models.Index(fields=["program", "link_entity", "link_id"], name="attribute_link"),
            models.Index(fields=["taxonomy_term", "link_entity"], name="attribute_term"),
        ]

    def __str__(self) -> str:
        return f"{self.link_entity} {self.link_id}: {self.taxonomy_term}"


class DirectoryMapping(models.Model):
    """How one spreadsheet a program keeps becomes directory records: set once per source in the admin,
    reused for every upload of that source (port.directory.hsds.spreadsheet).

    `columns` maps a column header to an HSDS field ("organization.name", "service.description",
    "location.latitude", "address.postal_code", "phone.number", ... see spreadsheet.TARGETS); `flags`
    maps a yes/no column to the PORT category or feature codes a "yes" gives the service
    ("treatment.buprenorphine", "features.same_day_start"); `true_values` are the cells read as yes.
    `key_columns` name the row: its records' ids are uuid5 of the program, this mapping's name and the
    key cells, so re-importing the same sheet updates what it added before."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    name = models.SlugField(max_length=100, help_text=_("Short name used with --mapping, e.g. 'samhsa-programs'."))
    description = models.TextField(blank=True)
    key_columns = models.JSONField(default=list, help_text=_("Columns whose cells together name a row."))
    columns = models.JSONField(default=dict, blank=True, help_text=_("Column header → HSDS field."))
    flags = models.JSONField(default=dict, blank=True, help_text=_("Yes/no column → list of PORT category codes."))
    true_values = models.JSONField(default=list, blank=True, help_text=_("Cells read as yes, e.g. Yes, Y, X, true."))
    defaults = models.JSONField(default=dict, blank=True, help_text=_("HSDS field → value when the row has none."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="directory_mapping_name_unique")]

    def __str__(self) -> str:
        return self.name


class DirectoryImport(models.Model):
    """An uploaded directory file waiting for its preview to be confirmed (like a referral CSV batch).

    The file is kept only until it is imported or cancelled; the report keeps the counts and problems."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    class Format(models.TextChoices):
        HSDS_JSON = "hsds-json", _("HSDS 3.0 JSON")
        HSDS_CSV = "hsds-csv", _("HSDS 3.0 tabular CSV (zip of the folder)")
        SPREADSHEET = "spreadsheet", _("Spreadsheet with a column mapping")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200)
    format = models.CharField(max_length=20, choices=Format.choices)
    mapping_name = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEW)
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"
