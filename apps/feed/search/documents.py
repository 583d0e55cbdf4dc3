"""What the search index holds of a post, what a search returns, and its opaque cursors.

A search page is post ids only: the caller hydrates the posts (GraphQL from the feed's post
cache), so the index never has to hold everything a post shows.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from socialapp.errors import InvalidInputError

# Cursor values: a score or rank (float) and integers (post id, epoch milliseconds).
CursorValue = float | int
_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class SearchDocument:
    """A post as the index holds it (what `post.created` carries, and the reindex reads)."""

    post_id: int
    author_id: uuid.UUID
    text: str
    hashtags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    # Where the page after this hit starts (the `after` of the next search).
    cursor: str


@dataclass(frozen=True)
class SearchPage:
    """Best match first; `has_next`: more hits follow the last one."""

    hits: list[SearchHit]
    has_next: bool

    @property
    def post_ids(self) -> list[int]:
        return [hit.post_id for hit in self.hits]


def encode_cursor(kind: str, values: list[CursorValue]) -> str:
    """An opaque cursor: the backend's `kind` and its sort values, base64 of JSON."""
    return base64.urlsafe_b64encode(json.dumps([kind, *values], separators=(",", ":")).encode()).decode()


def decode_cursor(kind: str, cursor: str, shape: tuple[type[float] | type[int], ...]) -> list[CursorValue]:
    """The sort values in a cursor of this backend with this `shape`; anything else (another
    backend's cursor, a forged or truncated one) is an `invalid_cursor` error on `after`."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (UnicodeError, binascii.Error, ValueError):
        decoded = None
    if not isinstance(decoded, list) or len(decoded) != len(shape) + 1 or decoded[0] != kind:
        raise _invalid_cursor()
    values: list[CursorValue] = []
    for value, wanted in zip(decoded[1:], shape, strict=True):
        if wanted is int and type(value) is int and 0 <= value <= _BIGINT_MAX:
            values.append(value)
        elif wanted is float and type(value) in {int, float} and math.isfinite(value):
            values.append(float(value))
        else:
            raise _invalid_cursor()
    return values


def _invalid_cursor() -> InvalidInputError:
    return InvalidInputError("`after` is not a cursor this search handed out.", field="after", code="invalid_cursor")
