"""Program time: the date and the wall-clock time in a program's own time zone.

Stored times are UTC; a person reads them, and deadlines, expiry dates and birth dates are checked, on the
program's calendar. `Program.today()` and `Program.local()` (port.accounts.models) are the way to use these
for a program; the functions here take a bare zone, for the ground floor's own use.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone


def local(zone: zoneinfo.ZoneInfo | dt.tzinfo, moment: dt.datetime | None = None) -> dt.datetime:
    """`moment` (default: now) on the wall clock of `zone`."""
    return timezone.localtime(moment if moment is not None else timezone.now(), zone)


def today_in(zone: zoneinfo.ZoneInfo | dt.tzinfo, at: dt.datetime | None = None) -> dt.date:
    """The calendar date in `zone` now, or at the moment `at`."""
    return local(zone, at).date()
