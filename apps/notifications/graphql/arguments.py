"""Parsing the notifications schema's arguments: cursors, kinds and group ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apps.notifications.errors import UnknownNotificationError
from socialapp.graphql import cursors

_CURSOR_KIND = "notification"
_BIGINT = 2**63 - 1


def encode_cursor(position: int) -> str:
    return cursors.encode_cursor(_CURSOR_KIND, position)


def decode_cursor(cursor: str | None, *, field: str = "after") -> int | None:
    """The stream position in an opaque cursor; anything we did not hand out is a typed error."""
    return cursors.decode_id_cursor(_CURSOR_KIND, cursor, field=field)


def kind_values(kinds: Iterable[Any] | None) -> list[str] | None:
    """Enum arguments arrive as members or values depending on graphene's path: values, always."""
    if kinds is None:
        return None
    return [str(getattr(kind, "value", kind)) for kind in kinds]


def group_ids(values: Iterable[str], *, field: str = "ids") -> list[int]:
    """Ids of groups; one that is not even a number is refused as an unknown id would be."""
    parsed: list[int] = []
    for value in values:
        if not value.isdigit() or int(value) > _BIGINT:
            raise UnknownNotificationError("Some of these ids name no notification of yours.", field=field)
        parsed.append(int(value))
    return parsed
