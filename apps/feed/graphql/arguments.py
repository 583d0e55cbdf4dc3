"""Parsing the arguments the feed schema shares: post, comment and user ids, and cursors.

Error fields are the GraphQL argument names, so a client can point at the input at fault.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from apps.feed import selectors
from apps.feed.ids import MAX_ID
from socialapp.errors import InvalidInputError, NotFoundError
from socialapp.graphql import cursors
from socialapp.graphql.cursors import parse_uuid

_NUMBER = re.compile(r"[1-9][0-9]{0,18}")
_BIGINT_MAX = cursors.BIGINT_MAX


def parse_post_id(value: str, *, field: str) -> int:
    if not _NUMBER.fullmatch(value) or int(value) > MAX_ID:
        raise InvalidInputError(f"`{field}` is not a valid post id.", field=field, code="invalid")
    return int(value)


def parse_comment_id(value: str, *, field: str) -> int:
    if not _NUMBER.fullmatch(value) or int(value) > _BIGINT_MAX:
        raise InvalidInputError(f"`{field}` is not a valid comment id.", field=field, code="invalid")
    return int(value)


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
    return cursors.encode_cursor(kind, item_id)


def decode_cursor(kind: str, cursor: str | None, *, field: str = "after") -> int | None:
    """The id in an opaque cursor of this kind of list; anything we did not hand out is a typed error."""
    return cursors.decode_id_cursor(kind, cursor, field=field)
