"""Reads of the media service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from apps.media import storage
from apps.media.contracts import MediaKind, MediaSize, MediaUrl, MediaView
from apps.media.models import Media, MediaAttachment, MediaStatus, MediaVariant
from socialapp.errors import InvalidInputError

PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 20


def _with_variants(media: QuerySet[Media]) -> QuerySet[Media]:
    return media.prefetch_related(Prefetch("variants", queryset=MediaVariant.objects.order_by("id")))


def media_by_id(*, media_id: uuid.UUID) -> Media | None:
    return _with_variants(Media.objects.filter(pk=media_id)).first()


def media_of_owner(*, owner_id: uuid.UUID, media_id: uuid.UUID) -> Media | None:
    """The media if `owner_id` owns it. Whether someone else's exists is not told."""
    return _with_variants(Media.objects.filter(pk=media_id, owner_id=owner_id)).first()


def media_visible_to(*, viewer_id: uuid.UUID | None, media_id: uuid.UUID) -> Media | None:
    """The media if `viewer_id` owns it, or if it is in use (attached to a live post, or an
    avatar): what is attached to nothing is its owner's alone. Unknown and hidden look alike."""
    in_use = MediaAttachment.objects.filter(media_id=media_id).values("media_id")
    visible = Media.objects.filter(pk=media_id).filter(
        Q(pk__in=in_use) | Q(owner_id=viewer_id) if viewer_id is not None else Q(pk__in=in_use)
    )
    return _with_variants(visible).first()


@dataclass(frozen=True)
class MediaPage:
    media: list[Media]
    has_next: bool


def check_page_size(first: int) -> None:
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise InvalidInputError(
            f"`first` must be between 1 and {PAGE_SIZE_MAX} (got {first}).", field="first", code="out_of_range"
        )


def media_page(*, owner_id: uuid.UUID, first: int, after_id: uuid.UUID | None = None) -> MediaPage:
    """An owner's media, newest first, keyset-paginated on the time-ordered id: two queries
    (the page, its variants) whatever the page and however many media the owner has."""
    check_page_size(first)
    rows = Media.objects.filter(owner_id=owner_id)
    if after_id is not None:
        rows = rows.filter(id__lt=after_id)
    media = list(_with_variants(rows.order_by("-id"))[: first + 1])
    return MediaPage(media=media[:first], has_next=len(media) > first)


def variant_of(media: Media, size: MediaSize) -> MediaVariant | None:
    """The media's variant of this size (from the prefetched variants), None until READY."""
    if media.status != MediaStatus.READY:
        return None
    return next((variant for variant in media.variants.all() if variant.size == size.value), None)


def variant_url(media: Media, variant: MediaVariant, *, request: HttpRequest | None = None) -> MediaUrl:
    link = storage.link(variant.name, request=request)
    return MediaUrl(
        media_id=media.id,
        size=MediaSize(variant.size),
        url=link.url,
        expires_at=link.expires_at,
        width=variant.width,
        height=variant.height,
        content_type=variant.content_type,
    )


# --- the media port ---------------------------------------------------------------------------


def media_owned_by(*, owner_id: uuid.UUID, media_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `media_ids` that exist, are READY and belong to `owner_id` (one query)."""
    if not media_ids:
        return set()
    return set(
        Media.objects.filter(pk__in=list(media_ids), owner_id=owner_id, status=MediaStatus.READY).values_list(
            "id", flat=True
        )
    )


def media_urls(*, media_ids: Collection[uuid.UUID], size: MediaSize) -> dict[uuid.UUID, MediaUrl]:
    """URLs of the READY ones among `media_ids` at `size` (one query)."""
    if not media_ids:
        return {}
    variants = MediaVariant.objects.filter(
        media_id__in=list(media_ids), media__status=MediaStatus.READY, size=size.value
    ).select_related("media")
    return {variant.media_id: variant_url(variant.media, variant) for variant in variants}


_SIZE_ORDER = {size: position for position, size in enumerate(MediaSize)}


def media_views(*, media_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, MediaView]:
    """What readers need to show the READY ones among `media_ids`: one query for the media and
    their variants together, read as tuples (a page's 60 renditions as model instances cost more
    than the query); signing is cached (apps/media/storage.py)."""
    if not media_ids:
        return {}
    rows = (
        MediaVariant.objects.filter(media_id__in=list(media_ids), media__status=MediaStatus.READY)
        .values_list(
            "media_id",
            "media__frames",
            "media__width",
            "media__height",
            "media__alt_text",
            "media__blurhash",
            "size",
            "name",
            "width",
            "height",
            "content_type",
        )
        .order_by()
    )
    facts: dict[uuid.UUID, tuple[int, int, int, str, str]] = {}
    urls: dict[uuid.UUID, list[MediaUrl]] = {}
    link_of = storage.linker()
    for media_id, frames, width, height, alt_text, blurhash, size, name, v_width, v_height, content_type in rows:
        facts[media_id] = (frames, width, height, alt_text, blurhash)
        link = link_of(name)
        urls.setdefault(media_id, []).append(
            MediaUrl(
                media_id=media_id,
                size=MediaSize(size),
                url=link.url,
                expires_at=link.expires_at,
                width=v_width,
                height=v_height,
                content_type=content_type,
            )
        )
    views = {}
    for media_id, (frames, width, height, alt_text, blurhash) in facts.items():
        renditions = sorted(urls[media_id], key=lambda url: _SIZE_ORDER[url.size])
        views[media_id] = MediaView(
            media_id=media_id,
            kind=MediaKind.ANIMATION if frames > 1 else MediaKind.IMAGE,
            width=width,
            height=height,
            alt_text=alt_text,
            blurhash=blurhash,
            urls=renditions,
        )
    return views


def stuck_media_ids(*, updated_before: datetime) -> list[uuid.UUID]:
    return list(
        Media.objects.filter(status=MediaStatus.PROCESSING, updated_at__lt=updated_before)
        .order_by("updated_at")
        .values_list("id", flat=True)[:1000]
    )
