"""Domain errors particular to the users service (the hierarchy is socialapp.errors)."""

from __future__ import annotations

from socialapp.errors import InvalidInputError


class CannotFollowSelfError(InvalidInputError):
    code = "cannot_follow_self"
