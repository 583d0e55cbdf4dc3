"""The users service's batched lookups for one request (socialapp.graphql.loaders)."""

from __future__ import annotations

import uuid

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
