"""Domain errors of search (the hierarchy is socialapp.errors)."""

from __future__ import annotations

from socialapp.errors import DomainError


class SearchUnavailableError(DomainError):
    """The search backend did not answer: the client may retry; nothing is wrong with the query."""

    code = "search_unavailable"
    http_status = 503
    websocket_close_code = 4503
