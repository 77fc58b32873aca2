"""Print where to sign in and the demo logins, for `make run`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from port.accounts.models import Membership
from port.demo.cast import DEMO_LOGINS, DEMO_PASSWORD, DEMO_PROGRAM_SLUG


class Command(BaseCommand):
    help = "Print the demo program's sign-in address, logins and public pages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the app is served, e.g. http://127.0.0.1:8000/"
        )

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        base = url.rstrip("/")
        usernames = [f"demo-{login.username}" for login in DEMO_LOGINS]
        memberships = {
            m.user.username: m
            for m in Membership.objects.filter(
                program__slug=DEMO_PROGRAM_SLUG, user__username__in=usernames
            ).select_related("user", "agency", "program")
        }
        if not memberships:
            raise CommandError("There is no demo program yet: run `python manage.py seed_demo` first.")
        program = next(iter(memberships.values())).program
        lines = [
            "",
            f"PORT is running at {base}/ with the demo program “{program.name}” (made-up data only).",
            f"Sign in at {base}{reverse('login')}",
            "",
            f"Demo logins (every one has the password {DEMO_PASSWORD} — for this demo only):",
        ]
        width = max(len(name) for name in memberships)
        for username in usernames:
            membership = memberships.get(username)
            if membership is None:
                continue
            role = membership.get_role_display()
            if membership.agency:
                role = f"{role}, {membership.agency.name}"
            lines.append(f"  {username.ljust(width)}  {role}")
        lines += [
            "",
            f"Admin (program admins): {base}{reverse('admin:index')}",
            f"Ask for help, the public page (no sign-in): {base}{reverse('public:help', args=[program.slug])}",
            f"API docs: {base}/api/v1/docs",
            "API tokens are shown only once, when made. Make a new one as demo-admin at "
            f"{base}{reverse('admin:accounts_apitoken_add')}",
            "",
        ]
        self.stdout.write("\n".join(lines))
