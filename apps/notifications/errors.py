"""The notifications service's domain errors (socialapp.errors renders them per protocol)."""

from __future__ import annotations

from socialapp.errors import ConflictError, InvalidInputError, NotFoundError


class NotFollowingError(ConflictError):
    """The bell needs a follow (as this service knows it: a follow just made may take a moment)."""

    code = "not_following"


class UnknownNotificationError(NotFoundError):
    """Ids that are not the viewer's notifications: unknown and someone else's look the same."""

    code = "not_found"


class OwnAccountError(InvalidInputError):
    code = "own_account"
