"""The main navigation comes from the role sets in port.accounts.roles: each role sees the links it may use."""

import pytest

from port.accounts.roles import (
    IMPORTING_ROLES,
    PARTNER_ROLES,
    REFERRING_ROLES,
    SUPERVISING_ROLES,
    TEAM_ROLES,
    Role,
    nav_links,
)

SEEN = {
    Role.ADMIN: {
        "queue",
        "my_queue",
        "tasks",
        "new",
        "import",
        "review",
        "supplies",
        "directory",
        "notices",
        "audit",
        "admin",
    },
    Role.SUPERVISOR: {
        "queue",
        "my_queue",
        "tasks",
        "new",
        "import",
        "review",
        "supplies",
        "directory",
        "notices",
        "audit",
    },
    Role.PEER: {"my_queue", "tasks", "new", "review", "supplies", "directory", "notices"},
    Role.PARTNER: {"new", "import", "sent"},
    Role.FIRST_RESPONDER: {"new", "import", "sent", "visits"},
    Role.LAW_ENFORCEMENT: {"new", "import", "sent"},
    Role.PROVIDER: {"shared"},
    Role.ANALYST: {"figures"},
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_the_links_it_saw_before(role):
    assert {name for name, shown in nav_links(role).items() if shown} == SEEN[role]


def test_no_membership_sees_no_link():
    assert not any(nav_links(None).values())


def test_the_links_follow_the_role_sets():
    for role in Role.values:
        links = nav_links(role)
        assert links["queue"] == (role in SUPERVISING_ROLES) == links["audit"]
        assert links["my_queue"] == (role in TEAM_ROLES)
        assert links["new"] == (role in REFERRING_ROLES)
        assert links["import"] == (role in IMPORTING_ROLES)
        assert links["sent"] == (role in PARTNER_ROLES)


@pytest.mark.django_db
def test_the_page_shows_the_links_of_the_viewers_role(cast):
    page = cast.client_for(cast.peer).get("/notices/").content.decode()
    nav = page[page.index('class="site-nav"') : page.index("</nav>", page.index('class="site-nav"'))]
    assert "My queue" in nav and "Supplies" in nav and "Notices" in nav
    assert "Upload CSV" not in nav and "Audit trail" not in nav and ">Queue<" not in nav
