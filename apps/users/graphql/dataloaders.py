"""Batched lookups for one request: every profile on a page asks, one query answers them all.

graphene-django executes synchronously, so instead of an async DataLoader the list
resolvers announce the profiles of their page (`expect`), and the first `load` answers for
the whole announced batch in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from apps.users import selectors
from socialapp.authn.viewer import viewer_from_request


class ViewerFollowsLoader:
    """Whether the request's viewer follows a profile (None for an anonymous request)."""

    def __init__(self, request: Any) -> None:
        self._request = request
        self._known: dict[uuid.UUID, bool] = {}
        self._pending: set[uuid.UUID] = set()

    def expect(self, user_ids: Iterable[uuid.UUID]) -> None:
        self._pending.update(user_id for user_id in user_ids if user_id not in self._known)

    def prime(self, user_id: uuid.UUID, *, follows: bool) -> None:
        self._known[user_id] = follows

    def load(self, user_id: uuid.UUID) -> bool | None:
        viewer = viewer_from_request(self._request)
        if viewer is None:
            return None
        if user_id not in self._known:
            batch = self._pending | {user_id}
            self._pending = set()
            followed = selectors.followed_among(follower_id=viewer.user_id, followee_ids=batch - {viewer.user_id})
            self._known.update({candidate: candidate in followed for candidate in batch})
        return self._known[user_id]


_ATTRIBUTE = "_users_viewer_follows_loader"


def viewer_follows_loader(request: Any) -> ViewerFollowsLoader:
    """The request's loader (created on first use; one per request, so nothing leaks between)."""
    loader: ViewerFollowsLoader | None = getattr(request, _ATTRIBUTE, None)
    if loader is None:
        loader = ViewerFollowsLoader(request)
        setattr(request, _ATTRIBUTE, loader)
    return loader
