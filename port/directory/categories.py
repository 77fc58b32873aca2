"""PORT's own categories: one HSDS taxonomy, seeded for every program, that a program may extend.

Each category is a taxonomy term; a service is in a category through an HSDS attribute row linking the
term to it. The search filters (walk-in, same-day start, accepts uninsured, accepts Medicaid) are terms
of the same taxonomy under "features", so a filter is a category search like any other and an export
carries them as HSDS attributes. Codes are stable (hand-offs store what they were for by code); names
are what people read, in English and Spanish.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction

from port.accounts.models import Program
from port.directory.models import Taxonomy, TaxonomyTerm

TAXONOMY_NAME = "PORT categories"
TAXONOMY_DESCRIPTION = (
    "The needs a Post-Overdose Response Team refers people for, and the features it filters services by."
)
# A fixed namespace, so every program's copy of a PORT term has the same HSDS id in exports
# (uuid5 of the program's slug and the code), and re-seeding finds what it seeded before.
NAMESPACE = uuid.UUID("5c1d7a52-5f0e-4c55-9f1a-3f0b5e1e0a01")


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_es: str
    parent: str = ""


CATEGORIES: tuple[Category, ...] = (
    Category("treatment", "Treatment", "Tratamiento"),
    Category("treatment.buprenorphine", "Buprenorphine", "Buprenorfina", "treatment"),
    Category("treatment.methadone", "Methadone", "Metadona", "treatment"),
    Category("treatment.naltrexone", "Naltrexone", "Naltrexona", "treatment"),
    Category("treatment.withdrawal", "Withdrawal management", "Manejo de la abstinencia", "treatment"),
    Category("treatment.residential", "Residential treatment", "Tratamiento residencial", "treatment"),
    Category("treatment.outpatient", "Outpatient treatment", "Tratamiento ambulatorio", "treatment"),
    Category("harm_reduction", "Harm reduction", "Reducción de daños"),
    Category("harm_reduction.syringe_services", "Syringe services", "Servicios de jeringas", "harm_reduction"),
    Category("harm_reduction.naloxone", "Naloxone", "Naloxona", "harm_reduction"),
    Category("harm_reduction.test_strips", "Test strips", "Tiras de prueba", "harm_reduction"),
    Category("harm_reduction.drug_checking", "Drug checking", "Análisis de sustancias", "harm_reduction"),
    Category("housing", "Housing and shelter", "Vivienda y albergue"),
    Category("food", "Food", "Alimentos"),
    Category("medical", "Medical care", "Atención médica"),
    Category("mental_health", "Mental health", "Salud mental"),
    Category("transportation", "Transportation", "Transporte"),
    Category("family_support", "Family support", "Apoyo familiar"),
    Category("family_support.counselling", "Counselling for family", "Consejería para la familia", "family_support"),
    Category("family_support.education", "Education for family", "Educación para la familia", "family_support"),
    Category("family_support.groups", "Support groups for family", "Grupos de apoyo para la familia", "family_support"),
    Category("recovery_support", "Recovery support", "Apoyo para la recuperación"),
    Category("recovery_support.meetings", "Recovery meetings", "Reuniones de recuperación", "recovery_support"),
    Category(
        "recovery_support.rco",
        "Recovery community organizations",
        "Organizaciones comunitarias de recuperación",
        "recovery_support",
    ),
    Category("legal_aid", "Legal aid", "Asistencia legal"),
    Category("benefits", "Benefits", "Beneficios"),
    Category("identification", "Identification documents", "Documentos de identidad"),
    # Features the search filters by.
    Category("features", "Features", "Características"),
    Category("features.walk_in", "Walk-in", "Sin cita", "features"),
    Category("features.same_day_start", "Same-day start", "Comienzo el mismo día", "features"),
    Category("features.accepts_uninsured", "Accepts uninsured", "Acepta personas sin seguro", "features"),
    Category("features.accepts_medicaid", "Accepts Medicaid", "Acepta Medicaid", "features"),
)

BY_CODE = {category.code: category for category in CATEGORIES}
# The needs a peer refers for (what a hand-off is for): every category but the features.
NEEDS = tuple(c for c in CATEGORIES if c.code != "features" and not c.code.startswith("features."))
FEATURES = tuple(c for c in CATEGORIES if c.code.startswith("features."))


def main_need(codes: "set[str] | frozenset[str]") -> str:
    """The need a service is most plainly for, among its category codes: the first specific one (e.g.
    buprenorphine) in PORT's order, else the first broad one, else ''."""
    specific = next((c.code for c in NEEDS if c.parent and c.code in codes), "")
    return specific or next((c.code for c in NEEDS if c.code in codes), "")


def term_hsds_id(program: Program, code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{program.slug}:{code}")


def category_name(code: str, language: str = "en") -> str:
    """The category's name to show, in English or Spanish; a program's own term shows its code's name."""
    category = BY_CODE.get(code)
    if category is None:
        return code
    return category.name_es if language == "es" else category.name


@transaction.atomic
def port_taxonomy_seed(*, program: Program) -> Taxonomy:
    """Give `program` PORT's taxonomy and every PORT term, leaving alone what is there (idempotent)."""
    taxonomy, _created = Taxonomy.objects.get_or_create(
        program=program,
        hsds_id=term_hsds_id(program, "taxonomy"),
        defaults={"name": TAXONOMY_NAME, "description": TAXONOMY_DESCRIPTION},
    )
    existing = {
        term.code: term for term in TaxonomyTerm.objects.filter(program=program, taxonomy=taxonomy, code__in=BY_CODE)
    }
    for category in CATEGORIES:  # parents come before their children
        if category.code in existing:
            continue
        existing[category.code] = TaxonomyTerm.objects.create(
            program=program,
            hsds_id=term_hsds_id(program, category.code),
            taxonomy=taxonomy,
            code=category.code,
            name=category.name,
            description=category.name,
            parent=existing.get(category.parent),
            language="en",
        )
    return taxonomy
