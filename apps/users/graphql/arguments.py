"""Parsing the arguments the users schema shares: who (`userId` | `username`) and cursors.

Error fields are the GraphQL argument names, so a client can point at the input at fault.
"""

from __future__ import annotations

from apps.users import selectors
from apps.users.models import Profile
from socialapp.errors import InvalidInputError, NotFoundError
from socialapp.graphql import cursors
from socialapp.graphql.cursors import parse_uuid


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
    return cursors.encode_cursor("follow", follow_id)


def decode_cursor(cursor: str | None, *, field: str = "after") -> int | None:
    """The follow id in an opaque cursor; anything we did not hand out is a typed error."""
    return cursors.decode_id_cursor("follow", cursor, field=field)
