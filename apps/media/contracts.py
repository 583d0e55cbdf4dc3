"""The media service's one door: the media port other apps use, and its DTOs.

The feed asks the media service two things, synchronously, because a request cannot wait for an
event: when a post is created, which of the images it names exist, are READY and belong to its
author (`media_owned_by`); when posts are shown, where their images can be fetched
(`media_urls`). `media_port()` returns the adapter settings choose:

- `MEDIA_PORT=inprocess` (the default, the monolith): calls the media selectors directly.
- `MEDIA_PORT=http`: POSTs to the media service's internal endpoints at `MEDIA_PORT_URL`
  (in the mesh `http://media`), sending `MEDIA_INTERNAL_TOKEN` when one is set.

Both answer alike (the contract tests run one suite over both): unknown, foreign, unfinished
and malformed ids are simply absent from the answer, never an error. A transport failure of
the HTTP adapter is `MediaPortUnavailableError` (code `media_unavailable`, HTTP 503).

The media service publishes no events (yet): deleting a media detaches it, and the feed learns
it when `media_urls` stops answering for that id.
"""

from __future__ import annotations

import enum
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

logger = logging.getLogger(__name__)

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

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> MediaUrl:
        expires = body.get("expires_at")
        return cls(
            media_id=uuid.UUID(body["media_id"]),
            size=MediaSize(body["size"]),
            url=body["url"],
            expires_at=datetime.fromisoformat(expires) if expires else None,
            width=int(body["width"]),
            height=int(body["height"]),
            content_type=body["content_type"],
        )


class MediaPort(Protocol):
    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `media_ids` that exist, are READY and belong to `owner_id`."""
        ...

    def media_urls(
        self, *, media_ids: Collection[uuid.UUID], size: MediaSize = MediaSize.LARGE
    ) -> dict[uuid.UUID, MediaUrl]:
        """Signed URLs of the READY ones among `media_ids`, whoever owns them: the caller decides
        who may see them (the feed: whoever can see a post that uses them)."""
        ...


class InProcessMediaPort:
    """The monolith's adapter: the media selectors, in this process."""

    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        from apps.media import selectors

        return selectors.media_owned_by(owner_id=owner_id, media_ids=_bounded(media_ids))

    def media_urls(
        self, *, media_ids: Collection[uuid.UUID], size: MediaSize = MediaSize.LARGE
    ) -> dict[uuid.UUID, MediaUrl]:
        from apps.media import selectors

        return selectors.media_urls(media_ids=_bounded(media_ids), size=size)


class HttpMediaPort:
    """The carved-out adapter: the media service's /internal/media/ endpoints over the mesh.

    Both calls only read, so a failed attempt is retried once before giving up."""

    def __init__(self, base_url: str, *, token: str = "", timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        ids = _bounded(media_ids)
        if not ids:
            return set()
        body = self._post("/internal/media/ownership", {"owner_id": str(owner_id), "media_ids": [str(i) for i in ids]})
        return {uuid.UUID(value) for value in body["owned"]}

    def media_urls(
        self, *, media_ids: Collection[uuid.UUID], size: MediaSize = MediaSize.LARGE
    ) -> dict[uuid.UUID, MediaUrl]:
        ids = _bounded(media_ids)
        if not ids:
            return {}
        body = self._post("/internal/media/urls", {"media_ids": [str(i) for i in ids], "size": size.value})
        return {url.media_id: url for url in map(MediaUrl.from_json, body["urls"])}

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        from apps.media.errors import MediaPortUnavailableError

        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(payload).encode()
        last_error: Exception | None = None
        for _attempt in range(2):
            request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    answer: dict[str, Any] = json.loads(response.read())
                    return answer
            except urllib.error.HTTPError as error:
                last_error = error
                if error.code < 500:
                    break  # our request is wrong: asking again will not help
            except (OSError, ValueError) as error:
                last_error = error
        logger.warning("media port call failed", extra={"path": path, "error": repr(last_error)})
        raise MediaPortUnavailableError(f"The media service did not answer: {last_error}")


def _bounded(media_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
    ids = list(dict.fromkeys(media_ids))
    if len(ids) > MAX_IDS_PER_CALL:
        raise ValueError(f"at most {MAX_IDS_PER_CALL} media ids per call (got {len(ids)})")
    return ids


def media_port() -> MediaPort:
    """The adapter settings choose: MEDIA_PORT (`inprocess` | `http`), MEDIA_PORT_URL,
    MEDIA_PORT_TIMEOUT_SECONDS, MEDIA_INTERNAL_TOKEN."""
    from apps.media import config

    adapter = config.port_adapter()
    if adapter == "inprocess":
        return InProcessMediaPort()
    if adapter == "http":
        return HttpMediaPort(config.port_url(), token=config.internal_token(), timeout=config.port_timeout_seconds())
    raise ValueError(f"MEDIA_PORT must be 'inprocess' or 'http', not {adapter!r}")
