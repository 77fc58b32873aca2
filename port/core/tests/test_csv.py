"""Cells of every CSV export: a formula is shown as text, and an uploaded file gets its values back."""

from hypothesis import given
from hypothesis import strategies as st

from port.core.csv import csv_response, csv_safe, csv_unquote


def test_a_cell_that_a_spreadsheet_would_run_gets_a_leading_apostrophe():
    for value in ("=2+2", "+1 412 555 0100", "-3", "@SUM(A1)", "\t=1", "\r=1", "'=HYPERLINK(x)"):
        assert csv_safe(value) == "'" + value
    for plain in ("Maria", "'Neill", "2+2", "", None):
        assert csv_safe(plain) == ("" if plain is None else plain)


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab1 "), max_size=8))
def test_unquoting_gives_back_exactly_what_was_protected(value):
    assert csv_unquote(csv_safe(value)) == value
    assert not csv_safe(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def _body(response) -> bytes:
    assert response.streaming  # read from the database while it is sent
    return b"".join(response.streaming_content)


def test_the_one_csv_response_streams_a_file_excel_reads_with_every_cell_safe():
    rows: list[list[object]] = [["Maria", "=2+2"], [None, 7]]
    response = csv_response("people-1.csv", ["name", "note"], iter(rows))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people-1.csv"'
    assert _body(response) == b"\xef\xbb\xbfname,note\r\nMaria,'=2+2\r\n,7\r\n"


def test_a_file_made_to_re_upload_keeps_its_cells_as_written():
    response = csv_response("template.csv", ["-odd title", "phone"], [["+1 412 555 0100", "x"]], neutralise=False)
    assert _body(response) == b"\xef\xbb\xbf-odd title,phone\r\n+1 412 555 0100,x\r\n"
