"""Pagination: one way to cut a list into pages, shown by one partial, `core/pagination.html`, whose links
keep the page's other query parameters (its filters)."""

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def page_of(request: HttpRequest, items: QuerySet | Sequence[Any], per_page: int) -> Page:
    """The page the request asks for (`?page=`); a missing, wrong or too large number gives the first or
    the last page, never an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
