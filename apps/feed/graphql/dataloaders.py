"""The feed's batched lookups for one request (socialapp.graphql.loaders): a page's authors and
whether the viewer likes its posts, one query each."""

from __future__ import annotations

import uuid

from apps.feed import selectors
from apps.feed.snapshots import AuthorSnapshot
from socialapp.authn.viewer import viewer_from_request
from socialapp.graphql.loaders import BatchLoader


class AuthorLoader(BatchLoader[uuid.UUID, AuthorSnapshot]):
    """Authors from the feed's projection (placeholders for unknown ones)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, AuthorSnapshot]:
        return selectors.authors_by_ids(keys)


class LikedByViewerLoader(BatchLoader[int, bool | None]):
    """Whether the request's viewer likes a post (None for an anonymous request)."""

    def batch_load(self, keys: set[int]) -> dict[int, bool | None]:
        viewer = viewer_from_request(self.request)
        if viewer is None:
            return dict.fromkeys(keys)
        liked = selectors.liked_among(user_id=viewer.user_id, post_ids=keys)
        return {post_id: post_id in liked for post_id in keys}
