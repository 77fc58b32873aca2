"""The demo program "Demo County PORT" in one go (`manage.py seed_demo`)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from port.accounts.models import ApiToken, Membership, Program
from port.administration.services import program_set_up
from port.demo.cast import (
    DEMO_PROGRAM_NAME,
    DEMO_PROGRAM_SLUG,
    DEMO_REFERRALS,
    DEMO_SEED,
    DEMO_TIME_ZONE,
    demo_cast_create,
)
from port.demo.consents import demo_consents_create
from port.demo.directory import demo_directory_create
from port.demo.field_work import demo_field_work_create, demo_visit_with_ems_create
from port.demo.linkage import demo_linkage_create
from port.demo.referrals import demo_referrals_create
from port.security.accounts import api_token_issue


@dataclass
class DemoProgram:
    program: Program
    memberships: dict[str, Membership]
    api_token: ApiToken
    raw_token: str  # shown once by seed_demo; only its hash is stored
    referrals: int


@transaction.atomic
def demo_program_create(
    *, referrals: int = DEMO_REFERRALS, seed: int = DEMO_SEED, now: dt.datetime | None = None
) -> DemoProgram:
    """The demo program "Demo County PORT" with its cast, an API token for the ED, referrals with the
    contact attempts behind their statuses, and the team's field work: stock, supporters, visits,
    consents and a hand-off to the recovery center."""
    now = now or timezone.now()
    program = program_set_up(name=DEMO_PROGRAM_NAME, slug=DEMO_PROGRAM_SLUG, time_zone=DEMO_TIME_ZONE)
    memberships = demo_cast_create(program=program)
    ed_agency = memberships["ed"].agency
    assert ed_agency is not None  # the cast's ED liaison acts for the demo hospital
    token, raw = api_token_issue(agency=ed_agency, name="Demo ED nightly feed", actor=memberships["admin"].user)
    made = demo_referrals_create(program=program, count=referrals, seed=seed, now=now, outreach=True)
    visits, handoff = demo_field_work_create(program=program, memberships=memberships, seed=seed, now=now)
    demo_consents_create(program=program, memberships=memberships, visits=visits, handoff=handoff, now=now)
    demo_visit_with_ems_create(program=program, ems=memberships["ems"], now=now)
    demo_directory_create(program=program, today=program.today(now))
    demo_linkage_create(program=program, visits=visits, now=now)
    return DemoProgram(program=program, memberships=memberships, api_token=token, raw_token=raw, referrals=made)
