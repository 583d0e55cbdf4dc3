"""The search settings, each read when used. Only `ELASTICSEARCH_URL` is in socialapp/settings.py;
the others have their defaults here."""

from __future__ import annotations

from django.conf import settings


def elasticsearch_url() -> str:
    """Set: search through Elasticsearch. Empty: search the feed database."""
    return str(getattr(settings, "ELASTICSEARCH_URL", "") or "")


def index_name() -> str:
    """The Elasticsearch index of posts."""
    return str(getattr(settings, "FEED_SEARCH_INDEX", "") or "feed-posts")


def request_timeout_seconds() -> float:
    return float(getattr(settings, "FEED_SEARCH_TIMEOUT_SECONDS", 5))


def reindex_chunk_size() -> int:
    """Posts read and indexed per round of `manage.py reindex_search`."""
    return int(getattr(settings, "FEED_SEARCH_REINDEX_CHUNK", 500))
