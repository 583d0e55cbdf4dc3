"""Parsing the media schema's arguments: ids and cursors (errors name the GraphQL argument)."""

from __future__ import annotations

import uuid

from socialapp.errors import InvalidInputError
from socialapp.graphql import cursors


def parse_media_id(value: str, *, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(f"`{field}` is not a valid media id.", field=field, code="invalid") from None


def encode_cursor(media_id: uuid.UUID) -> str:
    return cursors.encode_cursor("media", media_id)


def decode_cursor(cursor: str | None, *, field: str = "after") -> uuid.UUID | None:
    """The media id in an opaque cursor; anything this list did not hand out is a typed error."""
    return cursors.decode_uuid_cursor("media", cursor, field=field)
