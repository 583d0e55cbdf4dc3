"""The feed's batched lookups for one request (socialapp.graphql.loaders): a page's authors and
whether the viewer likes its posts, one query each; its images, one media port call."""

from __future__ import annotations

import uuid

from apps.feed import selectors
from apps.feed.snapshots import AuthorSnapshot
from apps.media.contracts import MAX_IDS_PER_CALL, MediaView, media_port
from socialapp.authn.viewer import viewer_from_request
from socialapp.graphql.loaders import BatchLoader


class AuthorLoader(BatchLoader[uuid.UUID, AuthorSnapshot]):
    """Authors from the feed's projection (placeholders for unknown ones)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, AuthorSnapshot]:
        return selectors.authors_by_ids(keys)

    def load_expected(self) -> None:
        """Answer the announced keys now (one query), if any wait."""
        if self._pending:
            self.load(next(iter(self._pending)))

    def known(self) -> list[AuthorSnapshot]:
        return list(self._known.values())


class LikedByViewerLoader(BatchLoader[int, bool | None]):
    """Whether the request's viewer likes a post (None for an anonymous request)."""

    def batch_load(self, keys: set[int]) -> dict[int, bool | None]:
        viewer = viewer_from_request(self.request)
        if viewer is None:
            return dict.fromkeys(keys)
        liked = selectors.liked_among(user_id=viewer.user_id, post_ids=keys)
        return {post_id: post_id in liked for post_id in keys}


class MediaViewLoader(BatchLoader[uuid.UUID, MediaView | None]):
    """What readers need to show a page's images (posts' media, authors' avatars): one media
    port call for the whole page. None for a media the port does not answer (not READY, deleted).

    Whoever may see a post may see its media: the feed has decided that when it shows the post,
    so it asks only for media of posts it shows (and avatars, which are public)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, MediaView | None]:
        # The page's authors are known before the port is asked, so their avatars join the call.
        authors = AuthorLoader.for_request(self.request)
        authors.load_expected()
        avatars = {author.avatar_media_id for author in authors.known() if author.avatar_media_id is not None}
        asked = keys | (avatars - self._known.keys())
        views = media_views_in_chunks(sorted(asked))
        return {media_id: views.get(media_id) for media_id in asked}


def media_views_in_chunks(media_ids: list[uuid.UUID]) -> dict[uuid.UUID, MediaView]:
    """One port call for a page of up to MAX_IDS_PER_CALL ids (20 posts of 4 images and their
    20 avatars are 100); the largest page (100 posts) may take three."""
    views: dict[uuid.UUID, MediaView] = {}
    for start in range(0, len(media_ids), MAX_IDS_PER_CALL):
        views.update(media_port().media_views(media_ids=media_ids[start : start + MAX_IDS_PER_CALL]))
    return views
