"""Migration 0005: the ledger's link back to the encounter item (StockMovement.encounter_item) becomes the
item's link to its ledger entry (EncounterItem.movement), and back again on the way down."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from port.outreach.models import EncounterItem, Mode
from port.outreach.services import EncounterIn, ItemIn, encounter_record
from port.supplies.models import StockMovement
from port.testing.supplies import receive

BEFORE = [("outreach", "0004_encrypt_existing_notes")]
AFTER = [("outreach", "0005_encounteritem_movement")]


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def _migrate_back_to_latest() -> None:
    """Every app's latest migration again: going down to BEFORE also unapplied the migrations of other
    apps that depend on a later one of this app (port.linkage's), which AFTER alone would leave out."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_links() -> dict[int, int]:
    """movement id -> encounter item id, read from the old column."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, encounter_item_id FROM supplies_stockmovement WHERE encounter_item_id IS NOT NULL")
        return dict(cursor.fetchall())


def _ledger_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "supplies_stockmovement")}


@pytest.mark.django_db(transaction=True)
def test_the_link_moves_to_the_encounter_item_and_back_without_losing_one(cast, participant, stock):
    lots = [stock.lot("MIG1"), stock.lot("MIG2")]
    for lot in lots:
        receive(cast, lot, stock.pat_bag, 5)
    encounter = encounter_record(
        by=cast.peer,
        participant=participant,
        data=EncounterIn(
            mode=Mode.IN_PERSON,
            items=[
                *(ItemIn(kind=EncounterItem.Kind.SUPPLY, quantity=2, lot=lot, location=stock.pat_bag) for lot in lots),
                ItemIn(kind=EncounterItem.Kind.NALOXONE_TRAINING),
            ],
        ),
    )
    links = dict(encounter.items.filter(kind=EncounterItem.Kind.SUPPLY).values_list("movement_id", "pk"))
    assert len(links) == 2 and None not in links

    _migrate(BEFORE)
    try:
        assert "encounter_item_id" in _ledger_columns()
        assert _old_links() == links  # the ledger points at the items again, as the code before expects
    finally:
        _migrate(AFTER)
        _migrate_back_to_latest()

    assert "encounter_item_id" not in _ledger_columns()
    assert dict(encounter.items.filter(kind=EncounterItem.Kind.SUPPLY).values_list("movement_id", "pk")) == links
    assert encounter.items.get(kind=EncounterItem.Kind.NALOXONE_TRAINING).movement is None
    distributed = StockMovement.objects.filter(kind=StockMovement.Kind.DISTRIBUTE)
    assert {m.pk: m.encounter_item.pk for m in distributed} == links
