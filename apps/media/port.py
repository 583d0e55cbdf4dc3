"""The media port answered in this process (the HTTP adapter's server calls this too)."""

from __future__ import annotations

import uuid

from apps.media import selectors
from apps.media.contracts import MAX_IDS_PER_CALL, MediaPort, MediaSize, MediaUrl, MediaView


def _bounded(media_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(media_ids))
    if len(ids) > MAX_IDS_PER_CALL:
        raise ValueError(f"at most {MAX_IDS_PER_CALL} media ids per call (got {len(ids)})")
    return ids


class LocalMediaPort(MediaPort):
    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        return selectors.media_owned_by(owner_id=owner_id, media_ids=_bounded(media_ids))

    def media_urls(self, *, media_ids: list[uuid.UUID], size: MediaSize = MediaSize.LARGE) -> dict[uuid.UUID, MediaUrl]:
        return selectors.media_urls(media_ids=_bounded(media_ids), size=size)

    def media_views(self, *, media_ids: list[uuid.UUID]) -> dict[uuid.UUID, MediaView]:
        return selectors.media_views(media_ids=_bounded(media_ids))
