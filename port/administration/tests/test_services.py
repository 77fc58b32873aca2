"""Setting up a program gives it every app's defaults; made by an admin, it is audited as created."""

from port.accounts.models import Program
from port.accounts.services import program_create
from port.administration.services import program_set_up
from port.audit.models import AuditEvent
from port.outreach.models import TextTemplate
from port.supplies.models import StockLocation, SupplyItem


def test_a_program_set_up_gets_acuity_levels_supplies_an_office_and_text_templates(db):
    program = program_set_up(name="Lakeside PORT", slug="lakeside", time_zone="America/Chicago")
    assert [level.window_hours for level in program.acuity_levels.order_by("rank")] == [24, 48, 72]
    assert SupplyItem.objects.filter(program=program).exists()
    assert StockLocation.objects.filter(program=program, kind=StockLocation.Kind.OFFICE).exists()
    assert TextTemplate.objects.filter(program=program).exists()
    assert not AuditEvent.objects.filter(target_type="accounts.program").exists()


def test_the_ground_floors_program_create_seeds_no_other_apps_defaults(db):
    program = program_create(name="Lakeside PORT", slug="lakeside")
    assert program.acuity_levels.count() == 3
    assert not SupplyItem.objects.filter(program=program).exists()
    assert not TextTemplate.objects.filter(program=program).exists()


def test_a_program_set_up_by_an_admin_is_audited_as_created(cast):
    program = program_set_up(
        name="Lakeside PORT", slug="lakeside", actor=cast.admin.user, policy={"idle_timeout_minutes": 20}
    )
    assert Program.objects.get(pk=program.pk).idle_timeout_minutes == 20
    entry = AuditEvent.objects.get(target_type="accounts.program", target_ids=[str(program.pk)])
    assert entry.action == AuditEvent.Action.CREATE and entry.note == "program created"
    assert entry.changes["slug"] == [None, "lakeside"]
