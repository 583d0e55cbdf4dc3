"""Where media bytes live: Django's default storage (S3 through django-storages when a bucket
is configured, the local filesystem otherwise), and how each is linked to.

Names: `incoming/<media id>` holds an upload until it is processed (never linked to);
`images/<media id>/<size>-<random>.<ext>` holds each variant. The random part makes names
unguessable, which matters if the bucket is ever made public (MEDIA_URLS_PRESIGNED=false).
"""

from __future__ import annotations

import copy
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import HttpRequest
from storages.backends.s3 import S3Storage

from apps.media import config, links
from apps.media.errors import FileTooLargeError

logger = logging.getLogger(__name__)

# Variants never change under their name: clients and caches may keep them as long as the link works.
CACHE_CONTROL = "private, max-age={seconds}, immutable"


def media_storage() -> Storage:
    return storages["default"]


def is_s3(storage: Storage | None = None) -> bool:
    return isinstance(storage or media_storage(), S3Storage)


# The storage as a browser must address it, by (public endpoint, internal storage key).
_browser_storages: dict[tuple[str, str], Any] = {}


def browser_storage(storage: Any) -> Any:
    """`storage` with the endpoint browsers reach (AWS_S3_PUBLIC_ENDPOINT_URL) for the URLs it
    hands out. The server reaches S3 at AWS_S3_ENDPOINT_URL, often an in-cluster or in-compose
    name (http://minio:9000) no browser can resolve; a presigned URL signs its host, so it must be
    made for the public host, not rewritten afterwards. Signing is offline: no request is made."""
    public = str(getattr(settings, "AWS_S3_PUBLIC_ENDPOINT_URL", "") or "")
    if not public or not is_s3(storage) or public == storage.endpoint_url:
        return storage
    key = (public, _storage_key(storage))
    found = _browser_storages.get(key)
    if found is None:
        found = copy.copy(storage)  # S3Storage's __getstate__ drops the cached connections
        found.endpoint_url = public
        _browser_storages[key] = found
    return found


def staged_name(media_id: uuid.UUID) -> str:
    return f"incoming/{media_id}"


def variant_name(media_id: uuid.UUID, size: str, extension: str) -> str:
    return f"images/{media_id}/{size}-{secrets.token_urlsafe(12)}.{extension}"


class _TypedContent(ContentFile):  # type: ignore[type-arg]
    """Bytes with the Content-Type S3 should store (django-storages reads `content_type`)."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__(data)
        self.content_type = content_type


def save(name: str, data: bytes, content_type: str) -> str:
    """Store `data` under `name` (or a free variant of it); returns the name used."""
    return media_storage().save(name, _TypedContent(data, content_type))


def read_bounded(name: str, limit: int) -> bytes:
    """The object's bytes; FileTooLargeError as soon as more than `limit` arrive, FileNotFoundError if absent."""
    with media_storage().open(name, "rb") as handle:
        data: bytes = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(limit)
    return data


def size_of(name: str) -> int | None:
    """The stored object's size, None if there is none."""
    storage = media_storage()
    try:
        return int(storage.size(name))
    except FileNotFoundError:
        return None
    except OSError:
        if not storage.exists(name):
            return None
        raise


def delete_quietly(names: Iterable[str]) -> None:
    """Best effort, for cleanup paths: a failure is logged, never raised."""
    storage = media_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete a media object", extra={"media_object": name}, exc_info=True)


def delete(names: Iterable[str]) -> None:
    storage = media_storage()
    names = [name for name in names if name]
    forget_links(names)
    for name in names:
        storage.delete(name)


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime | None  # None: a public URL that does not expire


# Signed links kept for reuse: (storage, name, expiry) -> Link. A link is handed out again while
# more than half its validity remains, so a reader always gets at least expiry/2 of use and a
# page's hydration signs only what it has not signed lately (S3 presigning is CPU work).
_links: dict[tuple[str, str, int], Link] = {}
LINK_CACHE_MAX = 20_000


def _storage_key(storage: Any) -> str:
    if is_s3(storage):
        return f"s3:{storage.endpoint_url}:{storage.bucket_name}:{storage.location}"
    return f"{type(storage).__name__}:{getattr(storage, 'location', '')}"


def link(name: str, *, request: HttpRequest | None = None) -> Link:
    """A URL that fetches `name`: presigned on S3 (public if MEDIA_URLS_PRESIGNED=false), signed
    and served by this app on the local filesystem (absolute when a request tells the host).
    Signing is cached within the link's validity (see `_links`)."""
    found = linker()(name)
    if request is not None and found.url.startswith("/"):
        return Link(url=request.build_absolute_uri(found.url), expires_at=found.expires_at)
    return found


def linker() -> Callable[[str], Link]:
    """`link` for many names at once: the storage and settings are read once, not per name."""
    expiry = config.url_expiry_seconds()
    storage: Any = media_storage()
    if is_s3(storage) and not config.urls_presigned():
        public_storage = browser_storage(storage)
        return lambda name: Link(url=str(public_storage.url(name)), expires_at=None)
    storage_key = _storage_key(browser_storage(storage))  # links differ per public endpoint
    fresh_for = expiry / 2

    def link_of(name: str) -> Link:
        key = (storage_key, name, expiry)
        cached = _links.get(key)
        if cached is None or cached.expires_at is None or cached.expires_at.timestamp() - time.time() < fresh_for:
            cached = _sign(storage, name, expiry)
            if len(_links) >= LINK_CACHE_MAX:
                _links.clear()  # crude but bounded: the next page signs again
            _links[key] = cached
        return cached

    return link_of


def forget_links(names: Iterable[str]) -> None:
    """Stop handing out cached links to these objects (they were deleted)."""
    gone = set(names)
    for key in [key for key in _links if key[1] in gone]:
        _links.pop(key, None)


def _sign(storage: Any, name: str, expiry: int) -> Link:
    expires = math.floor(time.time()) + expiry
    if is_s3(storage):
        parameters = {"ResponseCacheControl": CACHE_CONTROL.format(seconds=expiry)}
        # botocore signs with the current time: the link expires `expiry` seconds from now.
        url = browser_storage(storage).url(name, parameters=parameters, expire=expiry)
        return Link(url=str(url), expires_at=_at(expires))
    return Link(url=links.signed_path(name, expires=expires), expires_at=_at(expires))


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]
    expires_at: datetime


def presigned_post(name: str, *, content_type: str, max_bytes: int, expires_in: int) -> PresignedPost:
    """An S3 POST policy that lets a browser put one object at `name`, of this type and size range."""
    storage: Any = media_storage()
    key = storage._normalize_name(name)  # with AWS_LOCATION, as django-storages would store it
    client = browser_storage(storage).connection.meta.client  # the browser POSTs to the public host
    post = client.generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return PresignedPost(
        url=str(post["url"]),
        fields={str(k): str(v) for k, v in post["fields"].items()},
        expires_at=_at(math.floor(time.time()) + expires_in),
    )
