"""Opaque cursors of keyset-paginated lists, and id arguments, parsed the same way everywhere.

A cursor is base64 of `<kind>:<key>`; decoding checks the kind, so a cursor of one list is
refused by another, and anything we did not hand out is a typed `invalid_cursor` error.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from socialapp.errors import InvalidInputError

_POSITIVE_BIGINT = re.compile(r"[1-9][0-9]{0,18}")
BIGINT_MAX = 2**63 - 1


def encode_cursor(kind: str, key: int | uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def _key(kind: str, cursor: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        return ""
    prefix = f"{kind}:"
    return decoded[len(prefix) :] if decoded.startswith(prefix) else ""


def _refuse(field: str) -> InvalidInputError:
    return InvalidInputError(f"`{field}` is not a cursor this list handed out.", field=field, code="invalid_cursor")


def decode_id_cursor(kind: str, cursor: str | None, *, field: str = "after") -> int | None:
    """The positive integer id in a cursor of this kind, None for no cursor."""
    if cursor is None:
        return None
    key = _key(kind, cursor)
    if not _POSITIVE_BIGINT.fullmatch(key) or int(key) > BIGINT_MAX:
        raise _refuse(field)
    return int(key)


def decode_uuid_cursor(kind: str, cursor: str | None, *, field: str = "after") -> uuid.UUID | None:
    """The UUID in a cursor of this kind, None for no cursor."""
    if cursor is None:
        return None
    try:
        return uuid.UUID(_key(kind, cursor))
    except ValueError:
        raise _refuse(field) from None


def parse_uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(f"`{field}` is not a valid id.", field=field, code="invalid") from None
