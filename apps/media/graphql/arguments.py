"""Parsing the media schema's arguments: ids and cursors (errors name the GraphQL argument)."""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from socialapp.errors import InvalidInputError

_CURSOR = re.compile(r"media:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def parse_media_id(value: str, *, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(f"`{field}` is not a valid media id.", field=field, code="invalid") from None


def encode_cursor(media_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"media:{media_id}".encode()).decode()


def decode_cursor(cursor: str | None, *, field: str = "after") -> uuid.UUID | None:
    """The media id in an opaque cursor; anything this list did not hand out is a typed error."""
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    match = _CURSOR.fullmatch(decoded)
    if match is None:
        raise InvalidInputError(f"`{field}` is not a cursor this list handed out.", field=field, code="invalid_cursor")
    return uuid.UUID(match.group(1))
