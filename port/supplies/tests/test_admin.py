"""Supply items, locations and lots in the admin: scoped to the program admin's programs."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from port.supplies.models import Lot, StockLocation, SupplyItem


@pytest.fixture
def admin_client_(cast) -> Client:
    return cast.client_for(cast.admin)


@pytest.fixture
def hilltop(cast):
    item = SupplyItem.objects.get(program=cast.other_program, name="Hygiene kit")
    return {
        "item": item,
        "office": StockLocation.objects.get(program=cast.other_program, name="Office"),
        "lot": Lot.objects.create(item=item, lot_number="HILL-9"),
    }


def changelist(client: Client, model: str) -> list:
    response = client.get(reverse(f"admin:supplies_{model}_changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_a_program_admin_manages_only_their_programs_items_locations_and_lots(cast, stock, admin_client_, hilltop):
    lot = stock.lot("OURS-1")
    assert {item.program_id for item in changelist(admin_client_, "supplyitem")} == {cast.program.pk}
    assert set(changelist(admin_client_, "stocklocation")) == {stock.office, stock.pat_bag, stock.quinn_bag}
    assert changelist(admin_client_, "lot") == [lot]
    for model, pk in (
        ("supplyitem", hilltop["item"].pk),
        ("stocklocation", hilltop["office"].pk),
        ("lot", hilltop["lot"].pk),
    ):
        assert admin_client_.get(reverse(f"admin:supplies_{model}_change", args=[pk])).status_code == 404, model


def test_a_program_admin_sets_an_items_low_stock_level(cast, stock, admin_client_):
    url = reverse("admin:supplies_supplyitem_change", args=[stock.naloxone.pk])
    response = admin_client_.post(
        url,
        {"name": stock.naloxone.name, "kind": "naloxone", "unit": "kit", "low_stock_level": "25", "is_active": "on"},
    )
    assert response.status_code == 302
    stock.naloxone.refresh_from_db()
    assert (stock.naloxone.low_stock_level, stock.naloxone.program) == (25, cast.program)


def test_a_new_item_can_only_go_into_the_admins_program(cast, admin_client_):
    response = admin_client_.post(
        reverse("admin:supplies_supplyitem_add"),
        {
            "program": cast.other_program.pk,
            "name": "Sharps container",
            "kind": "other",
            "unit": "each",
            "low_stock_level": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "program" in response.context["adminform"].form.errors
    admin_client_.post(
        reverse("admin:supplies_supplyitem_add"),
        {
            "program": cast.program.pk,
            "name": "Sharps container",
            "kind": "other",
            "unit": "each",
            "low_stock_level": "0",
            "is_active": "on",
        },
    )
    assert SupplyItem.objects.get(name="Sharps container").program == cast.program


def test_a_lot_can_only_be_for_one_of_the_admins_items(cast, stock, admin_client_, hilltop):
    form = admin_client_.get(reverse("admin:supplies_lot_add")).context["adminform"].form
    assert stock.naloxone in form.fields["item"].queryset
    assert hilltop["item"] not in form.fields["item"].queryset
    response = admin_client_.post(
        reverse("admin:supplies_lot_add"),
        {"item": hilltop["item"].pk, "lot_number": "SNEAKY", "expires_on": "2030-01-01"},
    )
    assert response.status_code == 200
    assert not Lot.objects.filter(lot_number="SNEAKY").exists()


def test_a_lots_expiry_date_can_be_corrected(cast, stock, admin_client_):
    lot = stock.lot("FIX-1", days=10)
    response = admin_client_.post(
        reverse("admin:supplies_lot_change", args=[lot.pk]), {"lot_number": "FIX-1", "expires_on": "2031-05-31"}
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.expires_on == dt.date(2031, 5, 31)


def test_a_bag_is_carried_by_someone_on_the_programs_team(cast, admin_client_):
    def add(holder) -> Any:
        return admin_client_.post(
            reverse("admin:supplies_stocklocation_add"),
            {"program": cast.program.pk, "name": "Spare bag", "kind": "bag", "holder": holder.pk, "is_active": "on"},
        )

    response = add(cast.partner.user)
    assert response.status_code == 200
    assert "must be an active member of this program" in str(response.context["adminform"].form.errors["holder"])
    response = add(cast.outsider.user)
    assert response.status_code == 200 and "holder" in response.context["adminform"].form.errors
    assert add(cast.peer2.user).status_code == 302
    assert StockLocation.objects.get(name="Spare bag").holder == cast.peer2.user


def test_items_locations_and_lots_are_retired_not_deleted(cast, stock, admin_client_):
    for model, pk in (
        ("supplyitem", stock.naloxone.pk),
        ("stocklocation", stock.office.pk),
        ("lot", stock.lot("KEEP").pk),
    ):
        response = admin_client_.post(reverse(f"admin:supplies_{model}_delete", args=[pk]), {"post": "yes"})
        assert response.status_code == 403, model
    assert SupplyItem.objects.filter(pk=stock.naloxone.pk).exists()


@pytest.mark.parametrize("member", ["supervisor", "peer", "partner"])
def test_other_roles_cannot_open_the_supplies_admin(cast, member):
    response = cast.client_for(getattr(cast, member)).get(reverse("admin:supplies_supplyitem_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
