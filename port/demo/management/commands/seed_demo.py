"""Create the synthetic demo program once; running it again keeps everything and creates nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from port.accounts.models import Program, User
from port.consent.models import Disclosure
from port.demo.cast import DEMO_LOGINS, DEMO_PROGRAM_NAME, DEMO_PROGRAM_SLUG, DEMO_REFERRALS, DEMO_SEED
from port.demo.seed import demo_program_create
from port.outreach.models import ContactAttempt, Encounter, Supporter


class Command(BaseCommand):
    help = (
        f"Create the demo program “{DEMO_PROGRAM_NAME}” with made-up people, its users, referrals and the "
        "team's field work (attempts, visits, stock, supporters, consents), unless it exists already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--referrals",
            type=int,
            default=DEMO_REFERRALS,
            help=f"How many referrals to make (default {DEMO_REFERRALS}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEMO_SEED,
            help="Seed for the random generator: the same seed makes the same data.",
        )

    def handle(self, *args: Any, referrals: int, seed: int, **options: Any) -> None:
        if Program.objects.filter(slug=DEMO_PROGRAM_SLUG).exists():
            self.stdout.write(f"The demo program “{DEMO_PROGRAM_NAME}” exists already: kept as it is, nothing created.")
            return
        if referrals < 0:
            raise CommandError("--referrals cannot be negative.")
        usernames = [f"demo-{login.username}" for login in DEMO_LOGINS]
        taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        if taken:
            raise CommandError(
                f"There is no demo program, but users {', '.join(taken)} exist: remove or rename "
                "them before seeding the demo again."
            )
        demo = demo_program_create(referrals=referrals, seed=seed)
        ed = demo.api_token.agency
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the demo program “{demo.program.name}” with {len(demo.memberships)} demo users "
                f"and {demo.referrals} made-up referrals."
            )
        )
        program = demo.program
        shared = (
            Disclosure.objects.filter(program=program, channel=Disclosure.Channel.HANDOFF)
            .select_related("recipient_agency")
            .first()
        )
        self.stdout.write(
            f"Field work: {ContactAttempt.objects.filter(program=program).count()} contact attempts, "
            f"{Encounter.objects.filter(program=program).count()} visits and calls, "
            f"{Supporter.objects.filter(program=program).count()} supporters, naloxone and supplies at the office "
            "and in each peer's bag"
            + (
                f", and one participant shared with {shared.recipient_agency.name} (demo-provider sees them)."
                if shared
                else "."
            )
        )
        self.stdout.write(
            f"API token for {ed.name} (shown only this once; copy it now to try the API):\n  {demo.raw_token}"
        )
