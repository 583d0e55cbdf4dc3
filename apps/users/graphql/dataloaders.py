"""The users service's batched lookups for one request (socialapp.graphql.loaders)."""

from __future__ import annotations

import uuid

from apps.media.contracts import MAX_IDS_PER_CALL, MediaView, media_port
from apps.notifications.contracts import notifications_port
from apps.users import selectors
from socialapp.authn.viewer import viewer_from_request
from socialapp.graphql.loaders import BatchLoader


class ViewerFollowsLoader(BatchLoader[uuid.UUID, bool | None]):
    """Whether the request's viewer follows a profile (None for an anonymous request)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, bool | None]:
        viewer = viewer_from_request(self.request)
        if viewer is None:
            return dict.fromkeys(keys)
        followed = selectors.followed_among(follower_id=viewer.user_id, followee_ids=keys - {viewer.user_id})
        return {user_id: user_id in followed for user_id in keys}


class ViewerPostNotificationsLoader(BatchLoader[uuid.UUID, bool | None]):
    """Whether the viewer rang a profile's bell (told of each new post); None when anonymous.
    The bell lives in the notifications service: one port call answers a whole page."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, bool | None]:
        viewer = viewer_from_request(self.request)
        if viewer is None:
            return dict.fromkeys(keys)
        rung = notifications_port().post_notifications_enabled_among(
            subscriber_id=viewer.user_id, user_ids=sorted(keys)
        )
        return {user_id: user_id in rung for user_id in keys}


class AvatarLoader(BatchLoader[uuid.UUID, MediaView | None]):
    """A page of profiles' avatars (keys are media ids): one media port call. Avatars are public,
    as profiles are; None for one the media service does not answer (not READY, deleted)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, MediaView | None]:
        ordered = sorted(keys)
        views: dict[uuid.UUID, MediaView] = {}
        for start in range(0, len(ordered), MAX_IDS_PER_CALL):  # a page has at most 100 profiles: one call
            views.update(media_port().media_views(media_ids=ordered[start : start + MAX_IDS_PER_CALL]))
        return {media_id: views.get(media_id) for media_id in keys}
