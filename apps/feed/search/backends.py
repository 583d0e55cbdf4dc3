"""The search port: one interface, two adapters, chosen by configuration.

- `ElasticsearchSearchBackend` (apps/feed/search/elastic.py) when `ELASTICSEARCH_URL` is set;
- `DatabaseSearchBackend` (apps/feed/search/database.py) otherwise, the embedded default:
  PostgreSQL full-text search, or a plain substring search on SQLite.

Both take queries already validated by apps/feed/search/query.py and hand out their own
opaque cursors (a cursor of one backend is an `invalid_cursor` error for the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Protocol

from apps.feed.search import config
from apps.feed.search.database import DatabaseSearchBackend
from apps.feed.search.documents import SearchDocument, SearchPage
from apps.feed.search.query import SearchQuery


class SearchBackend(Protocol):
    name: str

    def index_posts(self, documents: Sequence[SearchDocument]) -> None:
        """Create or replace these posts' documents (idempotent)."""

    def update_post(self, *, post_id: int, text: str, hashtags: Sequence[str]) -> None:
        """New text for an indexed post; nothing if the post is not indexed (deleted since)."""

    def delete_post(self, post_id: int) -> None:
        """Take the post out of the index; nothing if it is not there."""

    def search_posts(self, query: SearchQuery, *, first: int, after: str | None) -> SearchPage:
        """The `first` best matches after the cursor: relevance, then recency."""

    def reset(self) -> None:
        """Drop every document and recreate the index empty (before a full reindex)."""


def search_backend() -> SearchBackend:
    """The configured adapter: Elasticsearch when there is a URL, else the database."""
    url = config.elasticsearch_url()
    if url:
        return _elasticsearch_backend(url, config.index_name())
    return DatabaseSearchBackend()


@cache
def _elasticsearch_backend(url: str, index_name: str) -> SearchBackend:
    """One client (and its connection pool) per process and configuration."""
    # Loaded only when configured: the Elasticsearch client takes ~110 ms to import, which no
    # process of the embedded default should pay.
    from elasticsearch import Elasticsearch  # noqa: PLC0415

    from apps.feed.search.elastic import ElasticsearchSearchBackend  # noqa: PLC0415

    client = Elasticsearch(url, request_timeout=config.request_timeout_seconds())
    return ElasticsearchSearchBackend(client=client, index_name=index_name)
