"""The one pagination helper and partial: pages never fail, and their links keep the page's filters."""

from django.template.loader import render_to_string
from django.test import RequestFactory

from port.core.pagination import page_of

ITEMS = list(range(1, 121))


def test_the_page_asked_for_and_a_wrong_number_gives_a_page_not_an_error():
    rf = RequestFactory()
    assert list(page_of(rf.get("/", {"page": "2"}), ITEMS, 50).object_list) == list(range(51, 101))
    assert page_of(rf.get("/", {"page": "x"}), ITEMS, 50).number == 1
    assert page_of(rf.get("/", {"page": "99"}), ITEMS, 50).number == 3
    assert page_of(rf.get("/"), ITEMS, 50).number == 1


def render(query: dict, **context) -> str:
    request = RequestFactory().get("/list/", query)
    return render_to_string("core/pagination.html", {"page": page_of(request, ITEMS, 50), **context}, request)


def test_a_page_2_link_keeps_the_filters():
    html = render({"status": "assigned", "overdue": "on"})
    assert 'href="?status=assigned&amp;overdue=on&amp;page=2" rel="next"' in html
    html = render({"status": "assigned", "page": "2"})
    assert 'href="?status=assigned&amp;page=1" rel="prev"' in html
    assert 'href="?status=assigned&amp;page=3" rel="next"' in html
    assert "Page 2 of 3" in html


def test_newest_first_lists_say_newer_and_older():
    html = render({"page": "2"}, newest_first=True)
    assert '<a href="?page=1" rel="prev">Newer</a>' in html
    assert '<a href="?page=3" rel="next">Older</a>' in html
    html = render({"page": "2"})
    assert '>Previous<span class="visually-hidden"> page</span></a>' in html


def test_one_page_shows_no_pagination():
    request = RequestFactory().get("/")
    assert render_to_string("core/pagination.html", {"page": page_of(request, ITEMS[:3], 50)}, request).strip() == ""
