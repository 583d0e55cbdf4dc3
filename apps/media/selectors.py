"""Reads of the media service."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from apps.media import storage
from apps.media.contracts import MediaKind, MediaSize, MediaUrl, MediaView
from apps.media.models import Media, MediaAttachment, MediaStatus, MediaVariant
from socialapp.errors import InvalidInputError

logger = logging.getLogger(__name__)

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


@dataclass(slots=True)
class _KeptView:
    """A built view, what it was built from (the media row's `updated_at`, the links), and when
    the database last confirmed it (the change mark then, and a monotonic time)."""

    updated_at: datetime
    names: tuple[str, ...]
    links: tuple[storage.Link, ...]
    view: MediaView
    confirmed_mark: object
    confirmed_at: float


# Views built lately, by media id (process-local). One is handed out again, the same object,
# while the database says its media row is unchanged (`updated_at`: alt text edits bump it,
# deletion removes the row) and the links handed out now would be the same. The same
# object lets the GraphQL layer reuse what it made of it (socialapp.graphql.execution).
# Bounded, as each view carries its completed JSON too (a few kB): cleared when full.
_kept_views: dict[uuid.UUID, _KeptView] = {}
KEPT_VIEWS_MAX = 5_000
# Asking the database costs a round trip per page, so a view it confirmed is trusted without
# asking while no media changed since (the change mark, in the shared cache: every process of
# the media service sees it) and for at most this long (the bound if a mark were lost).
KEPT_TRUSTED_SECONDS = 30.0
CHANGE_MARK_KEY = "media:views:changed"
_UNKNOWN_MARK = object()  # the shared cache did not answer: trust nothing


def media_views(*, media_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, MediaView]:
    """What readers need to show the READY ones among `media_ids`. The views are built from one
    query for the media and their variants together, read as tuples; signing is cached
    (apps/media/storage.py). Views built lately are handed out again while unchanged: without
    a query while no media changed (`forget_views`), else after one small query that asks which
    are READY and when each last changed; only the others are built."""
    if not media_ids:
        return {}
    link_of = storage.linker()
    kept = [_kept_views.get(media_id) for media_id in media_ids]
    if not any(kept):
        return _build_views(list(media_ids), link_of, mark=_change_mark())  # nothing to check: one query
    mark = _change_mark()
    now = time.monotonic()
    if all(
        one is not None
        and one.confirmed_mark is mark
        and mark is not _UNKNOWN_MARK
        and now - one.confirmed_at < KEPT_TRUSTED_SECONDS
        and _same_links(one, link_of)
        for one in kept
    ):
        return {one.view.media_id: one.view for one in kept if one is not None}
    views: dict[uuid.UUID, MediaView] = {}
    to_build: list[uuid.UUID] = []
    for media_id, updated_at in _ready_versions(list(media_ids)):
        known = _kept_views.get(media_id)
        if known is not None and known.updated_at == updated_at and _same_links(known, link_of):
            known.confirmed_mark, known.confirmed_at = mark, now
            views[media_id] = known.view
        else:
            to_build.append(media_id)
    if to_build:
        views.update(_build_views(to_build, link_of, mark=mark))
    return views


def _same_links(kept: _KeptView, link_of: Callable[[str], storage.Link]) -> bool:
    """Whether the links would be handed out alike now (the same signed link from the cache,
    or an equal public URL), so the view is unchanged."""
    return all(link_of(name) == link for name, link in zip(kept.names, kept.links, strict=True))


_marks: dict[str, object] = {}


def _change_mark() -> object:
    """The shared cache's change mark, as one object per value (so `is` compares it)."""
    try:
        value = cache.get(CHANGE_MARK_KEY)
    except Exception:  # an unreachable cache only costs the query it would save
        logger.warning("media views: the change mark could not be read", exc_info=True)
        return _UNKNOWN_MARK
    key = str(value)
    mark = _marks.get(key)
    if mark is None:
        _marks.clear()  # only the current mark matters
        mark = _marks[key] = object()
    return mark


def forget_views(media_ids: Collection[uuid.UUID]) -> None:
    """These media changed or are going (alt text, deletion): this process forgets their views
    now, every process once the change commits (a new change mark makes them ask the database)."""
    for media_id in media_ids:
        _kept_views.pop(media_id, None)
    transaction.on_commit(_mark_change, using=router.db_for_write(Media), robust=True)


def _mark_change() -> None:
    cache.set(CHANGE_MARK_KEY, uuid.uuid4().hex, timeout=None)


def _ready_versions(media_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, datetime]]:
    """(id, updated_at) of the READY ones among `media_ids`: hand-written on PostgreSQL, where
    building the ORM query cost twice as much as running it (ADR 0016), the ORM elsewhere."""
    connection = connections[router.db_for_read(Media)]
    if connection.vendor != "postgresql":
        return list(Media.objects.filter(pk__in=media_ids, status=MediaStatus.READY).values_list("id", "updated_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, updated_at FROM {Media._meta.db_table} WHERE id = ANY(%s) AND status = %s",
            [media_ids, MediaStatus.READY.value],
        )
        return list(cursor.fetchall())


def _build_views(
    media_ids: list[uuid.UUID], link_of: Callable[[str], storage.Link], *, mark: object
) -> dict[uuid.UUID, MediaView]:
    """The views of the READY ones among `media_ids`, built from one query and kept."""
    rows = (
        MediaVariant.objects.filter(media_id__in=media_ids, media__status=MediaStatus.READY)
        .values_list(
            "media_id",
            "media__updated_at",
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
    facts: dict[uuid.UUID, tuple[datetime, int, int, int, str, str]] = {}
    renditions: dict[uuid.UUID, list[tuple[str, storage.Link, MediaUrl]]] = {}
    for media_id, updated_at, frames, width, height, alt_text, blurhash, size, name, v_width, v_height, mime in rows:
        facts[media_id] = (updated_at, frames, width, height, alt_text, blurhash)
        link = link_of(name)
        renditions.setdefault(media_id, []).append(
            (
                name,
                link,
                MediaUrl(
                    media_id=media_id,
                    size=MediaSize(size),
                    url=link.url,
                    expires_at=link.expires_at,
                    width=v_width,
                    height=v_height,
                    content_type=mime,
                ),
            )
        )
    views = {}
    confirmed_at = time.monotonic()
    if len(_kept_views) + len(facts) > KEPT_VIEWS_MAX:
        _kept_views.clear()  # crude but bounded: the next pages build again
    for media_id, (updated_at, frames, width, height, alt_text, blurhash) in facts.items():
        ordered = sorted(renditions[media_id], key=lambda rendition: _SIZE_ORDER[rendition[2].size])
        view = MediaView(
            media_id=media_id,
            kind=MediaKind.ANIMATION if frames > 1 else MediaKind.IMAGE,
            width=width,
            height=height,
            alt_text=alt_text,
            blurhash=blurhash,
            urls=[url for _, _, url in ordered],
        )
        _kept_views[media_id] = _KeptView(
            updated_at=updated_at,
            names=tuple(name for name, _, _ in ordered),
            links=tuple(link for _, link, _ in ordered),
            view=view,
            confirmed_mark=mark,
            confirmed_at=confirmed_at,
        )
        views[media_id] = view
    return views


def stuck_media_ids(*, updated_before: datetime) -> list[uuid.UUID]:
    return list(
        Media.objects.filter(status=MediaStatus.PROCESSING, updated_at__lt=updated_before)
        .order_by("updated_at")
        .values_list("id", flat=True)[:1000]
    )
