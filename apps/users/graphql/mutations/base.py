"""Helpers of this app's mutations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from socialapp.errors import DomainError


@contextmanager
def error_field_renamed(service_field: str, argument: str) -> Iterator[None]:
    """Errors a service raises about `service_field` name the argument the client used instead."""
    try:
        yield
    except DomainError as error:
        if error.field == service_field:
            error.field = argument
        raise
