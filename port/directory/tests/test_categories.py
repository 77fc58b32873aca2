"""PORT's categories: every program gets them once, with stable ids, and may add its own terms."""

from port.directory.categories import CATEGORIES, port_taxonomy_seed, term_hsds_id
from port.directory.models import TaxonomyTerm


def test_a_new_program_has_every_port_category_with_its_parent(cast):
    terms = {t.code: t for t in TaxonomyTerm.objects.filter(program=cast.program).select_related("parent")}
    assert set(terms) >= {c.code for c in CATEGORIES}
    assert terms["treatment.buprenorphine"].parent == terms["treatment"]
    assert terms["features.walk_in"].parent == terms["features"]
    assert terms["treatment"].hsds_id == term_hsds_id(cast.program, "treatment")


def test_seeding_again_adds_nothing_and_keeps_the_programs_own_terms(cast):
    taxonomy = port_taxonomy_seed(program=cast.program)
    own = TaxonomyTerm.objects.create(
        program=cast.program, taxonomy=taxonomy, code="treatment.contingency", name="Contingency management"
    )
    before = TaxonomyTerm.objects.filter(program=cast.program).count()
    port_taxonomy_seed(program=cast.program)
    assert TaxonomyTerm.objects.filter(program=cast.program).count() == before
    assert TaxonomyTerm.objects.filter(pk=own.pk).exists()


def test_two_programs_have_their_own_copies_of_the_port_categories(cast):
    ours = TaxonomyTerm.objects.get(program=cast.program, code="food")
    theirs = TaxonomyTerm.objects.get(program=cast.other_program, code="food")
    assert ours.pk != theirs.pk and ours.hsds_id != theirs.hsds_id
