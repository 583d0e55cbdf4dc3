"""Batched lookups for one request: every node on a page asks, one query answers them all.

graphene-django executes synchronously, so instead of an async DataLoader the list
resolvers announce what their page will need (`expect`), and the first `load` answers for
the whole announced batch in one query (as apps/users/graphql/dataloaders.py does).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from apps.feed import selectors
from apps.feed.snapshots import AuthorSnapshot
from socialapp.authn.viewer import viewer_from_request


class AuthorLoader:
    """Authors from the feed's projection (placeholders for unknown ones)."""

    def __init__(self) -> None:
        self._known: dict[uuid.UUID, AuthorSnapshot] = {}
        self._pending: set[uuid.UUID] = set()

    def expect(self, user_ids: Iterable[uuid.UUID]) -> None:
        self._pending.update(user_id for user_id in user_ids if user_id not in self._known)

    def load(self, user_id: uuid.UUID) -> AuthorSnapshot:
        if user_id not in self._known:
            batch = self._pending | {user_id}
            self._pending = set()
            self._known.update(selectors.authors_by_ids(batch))
        return self._known[user_id]


class LikedByViewerLoader:
    """Whether the request's viewer likes a post (None for an anonymous request)."""

    def __init__(self, request: Any) -> None:
        self._request = request
        self._known: dict[int, bool] = {}
        self._pending: set[int] = set()

    def expect(self, post_ids: Iterable[int]) -> None:
        self._pending.update(post_id for post_id in post_ids if post_id not in self._known)

    def prime(self, post_id: int, *, liked: bool) -> None:
        self._known[post_id] = liked

    def load(self, post_id: int) -> bool | None:
        viewer = viewer_from_request(self._request)
        if viewer is None:
            return None
        if post_id not in self._known:
            batch = self._pending | {post_id}
            self._pending = set()
            liked = selectors.liked_among(user_id=viewer.user_id, post_ids=batch)
            self._known.update({candidate: candidate in liked for candidate in batch})
        return self._known[post_id]


def author_loader(request: Any) -> AuthorLoader:
    """The request's loader (created on first use; one per request, so nothing leaks between)."""
    loader: AuthorLoader | None = getattr(request, "_feed_author_loader", None)
    if loader is None:
        loader = AuthorLoader()
        request._feed_author_loader = loader
    return loader


def liked_loader(request: Any) -> LikedByViewerLoader:
    loader: LikedByViewerLoader | None = getattr(request, "_feed_liked_loader", None)
    if loader is None:
        loader = LikedByViewerLoader(request)
        request._feed_liked_loader = loader
    return loader
