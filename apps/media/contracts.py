"""The media service's one door: the media port other apps use, and its DTOs.

The feed asks the media service two things while a request waits: which of the images a post
names exist, are READY and belong to its author (`media_owned_by`), and where the images of the
posts it shows can be fetched (`media_urls`). `media_port()` returns the adapter configuration
chooses (socialapp.ports): in process when this process serves media, else HTTP over the mesh.

Both adapters answer alike: unknown, foreign, unfinished and malformed ids are simply absent
from the answer, never an error. A transport failure is `PortUnavailableError` (code
`media_unavailable`, HTTP 503).
"""

from __future__ import annotations

import abc
import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialapp.ports import Port, port_for

# The most ids one call may carry (a post names a handful; a page of posts a few dozen).
MAX_IDS_PER_CALL = 200


class MediaSize(enum.StrEnum):
    """Which rendition: the metadata-free original, or a thumbnail (never wider than the original)."""

    ORIGINAL = "original"
    LARGE = "large"  # 1080 px wide
    SMALL = "small"  # 320 px wide


@dataclass(frozen=True)
class MediaUrl:
    """Where one rendition of a media can be fetched, and until when (None: a public URL)."""

    media_id: uuid.UUID
    size: MediaSize
    url: str
    expires_at: datetime | None
    width: int
    height: int
    content_type: str

    def as_json(self) -> dict[str, Any]:
        return {
            "media_id": str(self.media_id),
            "size": self.size.value,
            "url": self.url,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "width": self.width,
            "height": self.height,
            "content_type": self.content_type,
        }


class MediaPort(Port):
    service = "media"
    implementation = "apps.media.port.LocalMediaPort"

    @abc.abstractmethod
    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `media_ids` that exist, are READY and belong to `owner_id`."""

    @abc.abstractmethod
    def media_urls(self, *, media_ids: list[uuid.UUID], size: MediaSize = MediaSize.LARGE) -> dict[uuid.UUID, MediaUrl]:
        """Signed URLs of the READY ones among `media_ids`, whoever owns them: the caller decides
        who may see them (the feed: whoever can see a post that uses them)."""


def media_port() -> MediaPort:
    return port_for(MediaPort)
