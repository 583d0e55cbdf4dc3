"""Reads of post search: validate, then ask the configured backend for one page of post ids."""

from __future__ import annotations

from apps.feed.search.backends import search_backend
from apps.feed.search.documents import SearchPage
from apps.feed.search.query import parse_search_query
from apps.feed.selectors import PAGE_SIZE_DEFAULT, check_page_size


def search_posts(*, query: str, first: int = PAGE_SIZE_DEFAULT, after: str | None = None) -> SearchPage:
    """The posts matching `query`, most relevant first, then newest; typed errors for a query
    outside the grammar (apps/feed/search/query.py), `first` outside 1-100 or a foreign cursor."""
    parsed = parse_search_query(query)
    check_page_size(first)
    return search_backend().search_posts(parsed, first=first, after=after)
