"""The request id of the work in progress, carried from HTTP requests into events and back.

A request id is taken from the `X-Request-ID` header (Istio's Envoy sets one) or minted;
publishing an event copies it into the event's headers, and a consumer restores it while
it handles the event, so one id follows a user action through every service's logs.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("socialapp_request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(candidate: str | None) -> str:
    """Use a caller's request id if it is sane, otherwise mint one (never trust raw headers in logs)."""
    if candidate and _VALID_REQUEST_ID.match(candidate):
        return candidate
    return new_request_id()


@contextlib.contextmanager
def request_context(request_id: str | None) -> Iterator[str | None]:
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)
