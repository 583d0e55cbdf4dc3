"""The media service's one door: the media port other apps use, and its DTOs.

Other services ask the media service a few things while a request waits: which of the images
a post or a profile names exist, are READY and belong to the writer (`media_owned_by`: the
feed's createPost and editPost, the users service's updateProfile), and what a reader needs to
show the images of a page (`media_views`: type, size, alt text, BlurHash and a signed URL of
every rendition, for a whole page of posts or profiles in one call). The caller decides who may
see them (the feed: whoever may see the post). `media_port()` returns the adapter configuration
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

import graphene

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


class MediaKind(enum.StrEnum):
    """What a reader's client shows: a still image, or an animation (GIF, APNG, animated WebP)."""

    IMAGE = "image"
    ANIMATION = "animation"


@dataclass(frozen=True)
class MediaView:
    """What a reader needs to show one READY media: its facts and every rendition's URL
    (original, large, small; each never wider than the original)."""

    media_id: uuid.UUID
    kind: MediaKind
    width: int  # of the original, as displayed
    height: int
    alt_text: str  # "" when the owner gave none
    blurhash: str  # a placeholder to paint while the image loads; "" if none was computed
    urls: list[MediaUrl]

    def url(self, size: MediaSize) -> MediaUrl | None:
        return next((url for url in self.urls if url.size is size), None)


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

    @abc.abstractmethod
    def media_views(self, *, media_ids: list[uuid.UUID]) -> dict[uuid.UUID, MediaView]:
        """What readers need to show the READY ones among `media_ids` (a whole page's, in one
        call), whoever owns them: the caller decides who may see them. URLs are signed and expire."""


def media_port() -> MediaPort:
    return port_for(MediaPort)


# --- how a reader's schema shows a media (the feed's Post.media, Author.avatar; the users
# service's Profile.avatar): one GraphQL type, so every schema and the union agree on it ---


_ORIGIN_ATTRIBUTE = "_media_links_origin"


class MediaRenditionType(graphene.ObjectType):
    """One rendition's URL: presigned (S3) or signed (local); it stops working at `expiresAt`."""

    class Meta:
        name = "MediaRendition"

    url = graphene.String(required=True)
    expires_at = graphene.DateTime(description="When the URL stops working; null for a public URL.")
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    content_type = graphene.String(required=True)

    @staticmethod
    def resolve_url(root: MediaUrl, info: graphene.ResolveInfo) -> str:
        # Local links are paths on the media service: absolute on the host the client asked.
        if not root.url.startswith("/"):
            return root.url
        return f"{_origin_of(info.context)}{root.url}"


def _origin_of(request: Any) -> str:
    """The scheme and host the client asked (worked out once per request: a page has dozens of links)."""
    origin = getattr(request, _ORIGIN_ATTRIBUTE, None)
    if origin is None:
        build = getattr(request, "build_absolute_uri", None)
        origin = str(build("/"))[:-1] if build is not None else ""
        setattr(request, _ORIGIN_ATTRIBUTE, origin)
    return str(origin)


class MediaAttachmentUrlsType(graphene.ObjectType):
    """Each rendition (null only if it was never made)."""

    class Meta:
        name = "MediaAttachmentUrls"

    original = graphene.Field(MediaRenditionType, description="Full size, metadata stripped.")
    large = graphene.Field(MediaRenditionType, description="1080 px wide (never enlarged).")
    small = graphene.Field(MediaRenditionType, description="320 px wide (never enlarged).")

    @staticmethod
    def resolve_original(root: MediaView, info: graphene.ResolveInfo) -> MediaUrl | None:
        return root.url(MediaSize.ORIGINAL)

    @staticmethod
    def resolve_large(root: MediaView, info: graphene.ResolveInfo) -> MediaUrl | None:
        return root.url(MediaSize.LARGE)

    @staticmethod
    def resolve_small(root: MediaView, info: graphene.ResolveInfo) -> MediaUrl | None:
        return root.url(MediaSize.SMALL)


MediaKindEnum = graphene.Enum.from_enum(
    MediaKind,
    description=lambda value: (
        {MediaKind.IMAGE: "A still image.", MediaKind.ANIMATION: "An animated GIF, PNG or WebP."}.get(value)
        if value is not None
        else "What kind of image a media is."
    ),
)


class MediaAttachmentType(graphene.ObjectType):
    """An image as readers see it: everything a client needs to lay it out and show it."""

    class Meta:
        name = "MediaAttachment"

    id = graphene.ID(required=True, description="The media id.")
    type = graphene.Field(MediaKindEnum, required=True)
    width = graphene.Int(required=True, description="Of the original, as displayed.")
    height = graphene.Int(required=True, description="Of the original, as displayed.")
    alt_text = graphene.String(description="What a screen reader says instead of the image; null if none.")
    blurhash = graphene.String(description="A BlurHash placeholder (https://blurha.sh) to paint while it loads.")
    urls = graphene.Field(MediaAttachmentUrlsType, required=True)

    @staticmethod
    def memo_context(info: graphene.ResolveInfo) -> str:
        """What its fields depend on besides the view (socialapp.graphql.execution): the origin
        its local links are made absolute on. A view is immutable and the media service hands
        out the same one while the media is unchanged, so its completed fields can be reused."""
        return _origin_of(info.context)

    @staticmethod
    def resolve_id(root: MediaView, info: graphene.ResolveInfo) -> str:
        return str(root.media_id)

    @staticmethod
    def resolve_type(root: MediaView, info: graphene.ResolveInfo) -> str:
        return root.kind.value

    @staticmethod
    def resolve_alt_text(root: MediaView, info: graphene.ResolveInfo) -> str | None:
        return root.alt_text or None

    @staticmethod
    def resolve_blurhash(root: MediaView, info: graphene.ResolveInfo) -> str | None:
        return root.blurhash or None

    @staticmethod
    def resolve_urls(root: MediaView, info: graphene.ResolveInfo) -> MediaView:
        return root
