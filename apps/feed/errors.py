"""Domain errors particular to the feed service (the hierarchy is socialapp.errors)."""

from __future__ import annotations

from socialapp.errors import InvalidInputError, NotFoundError, PermissionDeniedError


class PostNotFoundError(NotFoundError):
    code = "not_found"


class CommentNotFoundError(NotFoundError):
    code = "not_found"


class NotYourPostError(PermissionDeniedError):
    code = "forbidden"


class UnknownMediaError(InvalidInputError):
    """A media id that is not one of the author's uploads (unknown, or someone else's: the
    same answer for both, so a caller cannot probe which ids exist)."""

    code = "unknown_media"
