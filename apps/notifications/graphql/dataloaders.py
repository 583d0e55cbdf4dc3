"""The notifications service's batched lookups for one request (socialapp.graphql.loaders): a
page's actors and posts, one query each."""

from __future__ import annotations

import uuid

from apps.notifications import selectors
from apps.notifications.models import Actor, PostExcerpt
from socialapp.graphql.loaders import BatchLoader


class ActorLoader(BatchLoader[uuid.UUID, Actor | None]):
    """Actors from this service's projection (None for one it has not heard of yet)."""

    def batch_load(self, keys: set[uuid.UUID]) -> dict[uuid.UUID, Actor | None]:
        found = selectors.actors_by_ids(keys)
        return {key: found.get(key) for key in keys}


class PostExcerptLoader(BatchLoader[int, PostExcerpt | None]):
    def batch_load(self, keys: set[int]) -> dict[int, PostExcerpt | None]:
        found = selectors.excerpts_by_ids(keys)
        return {key: found.get(key) for key in keys}
