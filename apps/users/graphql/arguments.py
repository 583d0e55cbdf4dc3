"""Parsing the arguments the users schema shares: who (`userId` | `username`) and cursors.

Error fields are the GraphQL argument names, so a client can point at the input at fault.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from apps.users import selectors
from apps.users.models import Profile
from socialapp.errors import InvalidInputError, NotFoundError

_CURSOR = re.compile(r"follow:([1-9][0-9]{0,18})")
_BIGINT_MAX = 2**63 - 1


def parse_uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(f"`{field}` is not a valid id.", field=field, code="invalid") from None


def find_profile(*, id_value: str | None, username: str | None, id_field: str) -> Profile | None:
    """The profile named by exactly one of an id argument (`id_field`) and `username`."""
    if (id_value is None) == (username is None):
        raise InvalidInputError(f"Give exactly one of `{id_field}` and `username`.", code="invalid")
    if id_value is not None:
        return selectors.profile_by_id(user_id=parse_uuid(id_value, field=id_field))
    assert username is not None
    return selectors.profile_by_username(username=username)


def require_profile(*, id_value: str | None, username: str | None, id_field: str) -> Profile:
    profile = find_profile(id_value=id_value, username=username, id_field=id_field)
    if profile is None:
        field = id_field if id_value is not None else "username"
        raise NotFoundError(
            "No user has this id." if id_value is not None else "No user has this username.", field=field
        )
    return profile


def encode_cursor(follow_id: int) -> str:
    return base64.urlsafe_b64encode(f"follow:{follow_id}".encode()).decode()


def decode_cursor(cursor: str | None, *, field: str = "after") -> int | None:
    """The follow id in an opaque cursor; anything we did not hand out is a typed error."""
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    match = _CURSOR.fullmatch(decoded)
    if match is None or int(match.group(1)) > _BIGINT_MAX:
        raise InvalidInputError(f"`{field}` is not a cursor this list handed out.", field=field, code="invalid_cursor")
    return int(match.group(1))
