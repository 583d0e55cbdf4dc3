"""Processing an accepted upload: validate its bytes again, render the variants, mark it READY
or FAILED (step 2 of the life of a media, apps/media/services.py). Run by the `process_media`
task; processing twice is harmless, the first to finish wins."""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.utils import timezone

from apps.media import config, selectors, storage
from apps.media.errors import (
    ImageRefusedError,
)
from apps.media.imaging.inspect import inspect_image
from apps.media.imaging.placeholder import blurhash_of
from apps.media.imaging.render import RenderedVariant, render_variants
from apps.media.models import Media, MediaStatus, MediaVariant
from socialapp.db import atomic_for

logger = logging.getLogger(__name__)


def media_process(*, media_id: uuid.UUID) -> Media | None:
    """Make the variants of a PROCESSING media and mark it READY (or FAILED). Idempotent: a
    media that is not PROCESSING any more (done, failed, deleted) is left as it is."""
    media = selectors.media_by_id(media_id=media_id)
    if media is None or media.status != MediaStatus.PROCESSING:
        return media
    try:
        rendered = _render(media)
    except _ProcessingFailed as failure:
        return _fail(media, code=failure.code, message=failure.message)
    # From the smallest rendition: cheap, and the hash keeps only low frequencies anyway.
    placeholder = blurhash_of(min(rendered, key=lambda variant: variant.width * variant.height).data)
    saved: list[MediaVariant] = []
    try:
        for variant in rendered:
            name = storage.save(
                storage.variant_name(media.id, variant.size, variant.format.extension),
                variant.data,
                variant.format.content_type,
            )
            saved.append(
                MediaVariant(
                    media_id=media.id,
                    size=variant.size,
                    name=name,
                    content_type=variant.format.content_type,
                    size_bytes=len(variant.data),
                    width=variant.width,
                    height=variant.height,
                )
            )
        finished = _finish(media.id, saved, blurhash=placeholder)
    except BaseException:
        storage.delete_quietly(variant.name for variant in saved)
        raise
    if finished:
        storage.delete_quietly([media.staged_name])
    else:  # deleted meanwhile, or another run finished first: its files stand, ours go
        storage.delete_quietly(variant.name for variant in saved)
    return selectors.media_by_id(media_id=media_id)


class _ProcessingFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _render(media: Media) -> list[RenderedVariant]:
    """The variants of the staged upload, checked again first: what is processed is exactly
    what was accepted (a direct upload's presigned POST stays valid for a while, so the bucket
    object could have been replaced since it was checked)."""
    try:
        data = storage.read_bounded(media.staged_name, config.max_upload_bytes())
        if hashlib.sha256(data).hexdigest() != media.sha256:
            raise _ProcessingFailed("upload_changed", "The uploaded file changed after it was checked.")
        facts = inspect_image(data)
        return render_variants(data, facts, thumbnail_format=config.thumbnail_format())
    except FileNotFoundError:
        raise _ProcessingFailed("upload_missing", "The uploaded file is gone; upload the image again.") from None
    except ImageRefusedError as error:
        raise _ProcessingFailed(error.code, error.message) from None


def _finish(media_id: uuid.UUID, variants: list[MediaVariant], *, blurhash: str) -> bool:
    """Record the variants and the placeholder, and mark the media READY, if it is still PROCESSING."""
    with atomic_for(Media):
        locked = Media.objects.select_for_update().filter(pk=media_id, status=MediaStatus.PROCESSING).first()
        if locked is None:
            return False
        MediaVariant.objects.bulk_create(variants)
        locked.status = MediaStatus.READY
        locked.staged_name = ""
        locked.blurhash = blurhash
        locked.processed_at = timezone.now()
        locked.save(update_fields=["status", "staged_name", "blurhash", "processed_at", "updated_at"])
    return True


def _fail(media: Media, *, code: str, message: str) -> Media | None:
    with atomic_for(Media):
        updated = Media.objects.filter(pk=media.id, status=MediaStatus.PROCESSING).update(
            status=MediaStatus.FAILED,
            failure_code=code,
            failure_message=message[:300],
            staged_name="",
            processed_at=timezone.now(),
            updated_at=timezone.now(),
        )
    if updated:
        logger.info("media processing failed", extra={"media_id": str(media.id), "code": code})
        storage.delete_quietly([media.staged_name])
    return selectors.media_by_id(media_id=media.id)
