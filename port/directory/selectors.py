"""Reads of the directory, each taking the viewer (a Membership): the team of a program searches its
own program's directory. The directory holds no participant data, so its reads are not audited; a
resource list made for a person is (port.casefile)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from port.accounts.models import Membership
from port.accounts.roles import TEAM_ROLES
from port.directory.search import Criteria, Result, SearchPage, directory_search, results_for, service_result

DIRECTORY_ROLES = TEAM_ROLES


def _check(viewer: Membership) -> None:
    if viewer.role not in DIRECTORY_ROLES:
        raise PermissionDenied


def services_search(*, viewer: Membership, criteria: Criteria, moment: dt.datetime | None = None) -> SearchPage:
    """A page of the viewer's program's services matching `criteria`, at `moment` (default now)."""
    _check(viewer)
    return directory_search(program=viewer.program, criteria=criteria, moment=moment or timezone.now())


def service_get(*, viewer: Membership, pk: int, moment: dt.datetime | None = None) -> Result:
    """One service of the viewer's program, as a result; 404 for any other."""
    _check(viewer)
    result = service_result(program=viewer.program, pk=pk, moment=moment or timezone.now())
    if result is None:
        raise Http404
    return result


def services_listed(*, viewer: Membership, ids: list[int], moment: dt.datetime | None = None) -> list[Result]:
    """The viewer's program's services among `ids`, in that order (others are left out)."""
    _check(viewer)
    return results_for(program=viewer.program, ids=ids, moment=moment or timezone.now())
