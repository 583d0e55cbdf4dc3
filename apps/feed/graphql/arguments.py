"""Parsing the arguments the feed schema shares: post, comment and user ids, and cursors.

Error fields are the GraphQL argument names, so a client can point at the input at fault.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Sequence

from apps.feed import selectors
from apps.feed.ids import MAX_ID
from socialapp.errors import InvalidInputError, NotFoundError

_NUMBER = re.compile(r"[1-9][0-9]{0,18}")
_BIGINT_MAX = 2**63 - 1


def parse_post_id(value: str, *, field: str) -> int:
    if not _NUMBER.fullmatch(value) or int(value) > MAX_ID:
        raise InvalidInputError(f"`{field}` is not a valid post id.", field=field, code="invalid")
    return int(value)


def parse_comment_id(value: str, *, field: str) -> int:
    if not _NUMBER.fullmatch(value) or int(value) > _BIGINT_MAX:
        raise InvalidInputError(f"`{field}` is not a valid comment id.", field=field, code="invalid")
    return int(value)


def parse_uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInputError(f"`{field}` is not a valid id.", field=field, code="invalid") from None


def parse_uuids(values: Sequence[str], *, field: str) -> list[uuid.UUID]:
    return [parse_uuid(value, field=field) for value in values]


def author_id_of(*, user_id: str | None, username: str | None) -> uuid.UUID:
    """The user named by exactly one of `userId` and `username` (the username as the feed knows it)."""
    if (user_id is None) == (username is None):
        raise InvalidInputError("Give exactly one of `userId` and `username`.", code="invalid")
    if user_id is not None:
        return parse_uuid(user_id, field="userId")
    assert username is not None
    author = selectors.author_by_username(username=username)
    if author is None:
        raise NotFoundError("No user has this username.", field="username")
    return author.user_id


def page_size(first: int | None) -> int:
    size = selectors.PAGE_SIZE_DEFAULT if first is None else first
    selectors.check_page_size(size)
    return size


def encode_cursor(kind: str, item_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{item_id}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None, *, field: str = "after") -> int | None:
    """The id in an opaque cursor of this kind of list; anything we did not hand out is a typed error."""
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    prefix = f"{kind}:"
    number = decoded[len(prefix) :] if decoded.startswith(prefix) else ""
    if not _NUMBER.fullmatch(number) or int(number) > _BIGINT_MAX:
        raise InvalidInputError(f"`{field}` is not a cursor this list handed out.", field=field, code="invalid_cursor")
    return int(number)
