"""Cells of every CSV export: a formula is shown as text, and an uploaded file gets its values back."""

from hypothesis import given
from hypothesis import strategies as st

from port.audit.presenters import csv_safe, csv_unquote


def test_a_cell_that_a_spreadsheet_would_run_gets_a_leading_apostrophe():
    for value in ("=2+2", "+1 412 555 0100", "-3", "@SUM(A1)", "\t=1", "\r=1", "'=HYPERLINK(x)"):
        assert csv_safe(value) == "'" + value
    for value in ("Maria", "'Neill", "2+2", "", None):
        assert csv_safe(value) == ("" if value is None else value)


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab1 "), max_size=8))
def test_unquoting_gives_back_exactly_what_was_protected(value):
    assert csv_unquote(csv_safe(value)) == value
    assert not csv_safe(value).startswith(("=", "+", "-", "@", "\t", "\r"))
