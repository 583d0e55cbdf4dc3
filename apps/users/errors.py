"""Domain errors particular to the users service (the hierarchy is socialapp.errors)."""

from __future__ import annotations

from socialapp.errors import InvalidInputError


class CannotFollowSelfError(InvalidInputError):
    code = "cannot_follow_self"


class UnusableAvatarError(InvalidInputError):
    """An avatar media id that is not one of the user's READY uploads (unknown, someone else's,
    still processing, failed or deleted: one answer for all, so ids cannot be probed)."""

    code = "unknown_media"
