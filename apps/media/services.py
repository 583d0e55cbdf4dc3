"""Writes of the media service: accepting uploads, processing them, direct uploads, deletion.

The life of a media:
1. An upload (`media_upload`, or `media_direct_upload_complete` for one that went straight to
   the bucket) is validated by content; a refused one leaves nothing behind. An accepted one is
   stored under `incoming/` and recorded as PROCESSING.
2. After commit, the `process_media` Celery task (inline without a broker) calls `media_process`
   (apps/media/processing.py):
   validate again (the bytes are re-read from storage), render the variants without metadata,
   store them, and mark the media READY; or FAILED, with a code, if the image cannot be used.
   The upload itself is then deleted: only variants remain.
3. The PROCESSING row is the durable record of work to do: if the enqueue after commit is lost
   (the process died), `media_requeue_stuck` (the `media_requeue_stuck` command, run from cron)
   hands it to the queue again. Processing twice is harmless: the first to finish wins.

No events are published: nothing outside this service needs to react to a media (yet). The
service does listen: where its media are used (posts, avatars) is kept from other services'
events (apps/media/events.py), so a media attached to nothing stays its owner's alone.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from apps.media import config, selectors, storage
from apps.media.alt_text import check_alt_text
from apps.media.errors import (
    DirectUploadUnavailableError,
    FileRequiredError,
    FileTooLargeError,
    ImageRefusedError,
    InvalidUploadError,
    UnsupportedFormatError,
    UploadExpiredError,
    UploadMissingError,
)
from apps.media.ids import uuid7
from apps.media.imaging.formats import BY_CONTENT_TYPE
from apps.media.imaging.inspect import ImageFacts, inspect_image
from apps.media.models import AttachmentKind, Media, MediaAttachment, MediaStatus, MediaVariant
from apps.media.tasks import process_in_background, process_media
from apps.media.uploads import ReceivedFile
from socialapp.db import atomic_for
from socialapp.errors import NotFoundError

logger = logging.getLogger(__name__)

_DIRECT_UPLOAD_SALT = "apps.media.direct-upload"


# --- uploads through the API ---------------------------------------------------------------


def media_upload(
    *, owner_id: uuid.UUID, upload: ReceivedFile | None, oversized: bool = False, alt_text: str = ""
) -> Media:
    """Accept an uploaded image for `owner_id`: validated by content, stored, then processed.

    `oversized`: the upload handler cut the file off at the size limit (nothing was kept).
    Raises an ImageRefusedError, and stores nothing, when the file is not an image we accept
    (or a typed error when the alt text is not acceptable, checked first).
    """
    described = check_alt_text(alt_text)
    limit = config.max_upload_bytes()
    if oversized or (upload is not None and (upload.size or 0) > limit):
        raise FileTooLargeError(limit)
    if upload is None:
        raise FileRequiredError
    data = upload.read_all()
    facts = inspect_image(data)
    media_id = uuid7()
    name = storage.save(storage.staged_name(media_id), data, facts.format.content_type)
    return _accept(
        media_id=media_id,
        owner_id=owner_id,
        data=data,
        sha256=upload.sha256,
        facts=facts,
        staged_name=name,
        alt_text=described,
    )


def _accept(
    *,
    media_id: uuid.UUID,
    owner_id: uuid.UUID,
    data: bytes,
    sha256: str,
    facts: ImageFacts,
    staged_name: str,
    alt_text: str = "",
) -> Media:
    """Record a validated upload as PROCESSING and have it processed once that is committed."""
    try:
        with atomic_for(Media):
            media = Media.objects.create(
                id=media_id,
                owner_id=owner_id,
                status=MediaStatus.PROCESSING,
                content_type=facts.format.content_type,
                size_bytes=len(data),
                sha256=sha256,
                width=facts.width,
                height=facts.height,
                frames=facts.frames,
                staged_name=staged_name,
                alt_text=alt_text,
            )
            _process_after_commit(media.id, work=facts.width * facts.height * max(facts.frames, 1))
    except IntegrityError:
        raise  # the id is taken: a concurrent completion of the same direct upload owns the object
    except BaseException:
        storage.delete_quietly([staged_name])
        raise
    # Without a broker the task ran inline on commit: return what it made.
    return selectors.media_by_id(media_id=media.id) or media


def _process_after_commit(media_id: uuid.UUID, *, work: int = 0) -> None:
    """Process after commit: queued when there is a broker; without one, inline, unless the image
    is too much work for a request (`work`: pixels x frames over MEDIA_INLINE_PROCESSING_PIXELS),
    which a thread of this process takes instead, so the upload still answers at once."""
    in_background = config.tasks_run_inline() and work > config.inline_processing_pixels()

    def enqueue_processing() -> None:
        if in_background:
            threading.Thread(target=process_in_background, args=(str(media_id),), daemon=True).start()
        else:
            process_media.delay(str(media_id))

    # robust: a failure to enqueue (or, inline, to process) is logged and does not fail the
    # accepted upload; the row stays PROCESSING and media_requeue_stuck enqueues it again.
    transaction.on_commit(enqueue_processing, using=router.db_for_write(Media), robust=True)


# --- processing ------------------------------------------------------------------------------


def media_requeue_stuck(*, older_than: timedelta | None = None) -> int:
    """Hand media PROCESSING for longer than `older_than` to the queue again; how many."""
    if older_than is None:
        older_than = timedelta(seconds=config.stuck_after_seconds())
    cutoff = timezone.now() - older_than

    count = 0
    for media_id in selectors.stuck_media_ids(updated_before=cutoff):
        # Touch it first, so the next sweep leaves it alone while it waits in the queue.
        Media.objects.filter(pk=media_id, status=MediaStatus.PROCESSING).update(updated_at=timezone.now())
        process_media.delay(str(media_id))
        count += 1
    return count


# --- direct uploads to the bucket ----------------------------------------------------------------


@dataclass(frozen=True)
class DirectUpload:
    """Where and how the client POSTs the file; then it calls completeImageUpload(upload_id)."""

    upload_id: str
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


def media_direct_upload_request(*, owner_id: uuid.UUID, content_type: str) -> DirectUpload:
    """A presigned POST for one image of `content_type`, at most MEDIA_MAX_UPLOAD_BYTES (S3 only)."""
    if not storage.is_s3():
        raise DirectUploadUnavailableError
    fmt = BY_CONTENT_TYPE.get(content_type.strip().lower())
    if fmt is None:
        raise UnsupportedFormatError(f"The content type {content_type[:100]!r}", field="content_type")
    media_id = uuid7()
    limit = config.max_upload_bytes()
    post = storage.presigned_post(
        storage.staged_name(media_id),
        content_type=fmt.content_type,
        max_bytes=limit,
        expires_in=config.direct_upload_expiry_seconds(),
    )
    upload_id = signing.dumps({"media": str(media_id), "owner": str(owner_id)}, salt=_DIRECT_UPLOAD_SALT)
    return DirectUpload(
        upload_id=upload_id, url=post.url, fields=post.fields, expires_at=post.expires_at, max_bytes=limit
    )


def media_direct_upload_complete(*, owner_id: uuid.UUID, upload_id: str) -> Media:
    """Validate what the client put in the bucket and record it, as `media_upload` does for an
    upload through the API. Completing twice returns the same media. A refused object is deleted."""
    if not storage.is_s3():
        raise DirectUploadUnavailableError
    media_id = _direct_upload_media_id(owner_id=owner_id, upload_id=upload_id)
    existing = selectors.media_by_id(media_id=media_id)
    if existing is not None:
        return existing
    name = storage.staged_name(media_id)
    limit = config.max_upload_bytes()
    size = storage.size_of(name)
    if size is None:
        raise UploadMissingError
    try:
        if size > limit:  # the bucket may not enforce the policy's size range (moto does not)
            raise FileTooLargeError(limit)
        data = storage.read_bounded(name, limit)
        facts = inspect_image(data)
    except ImageRefusedError:
        storage.delete_quietly([name])
        raise
    try:
        return _accept(
            media_id=media_id,
            owner_id=owner_id,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            facts=facts,
            staged_name=name,
        )
    except IntegrityError:  # completed concurrently: the other call recorded it
        media = selectors.media_by_id(media_id=media_id)
        if media is None:
            raise
        return media


def _direct_upload_media_id(*, owner_id: uuid.UUID, upload_id: str) -> uuid.UUID:
    try:
        claims = signing.loads(upload_id, salt=_DIRECT_UPLOAD_SALT, max_age=config.direct_upload_completion_seconds())
    except signing.SignatureExpired:
        raise UploadExpiredError from None
    except signing.BadSignature:
        raise InvalidUploadError from None
    if not isinstance(claims, dict) or claims.get("owner") != str(owner_id):
        raise InvalidUploadError
    try:
        return uuid.UUID(str(claims.get("media")))
    except ValueError:
        raise InvalidUploadError from None


# --- deletion ------------------------------------------------------------------------------


def media_delete(*, owner_id: uuid.UUID, media_id: uuid.UUID) -> uuid.UUID:
    """Delete an owner's media and every stored file of it.

    A post that uses it is not blocked and not changed: its image is detached (the media port
    stops answering for the id, so the feed shows the post without it). Deleting a photo must
    always be possible for its owner. Files are deleted before the row, inside the row's lock:
    if storage fails, the media is still there and the delete can be retried.
    """
    with atomic_for(Media):
        media = Media.objects.select_for_update().filter(pk=media_id, owner_id=owner_id).first()
        if media is None:
            raise NotFoundError("You have no media with this id.", field="id")
        names = [media.staged_name, *MediaVariant.objects.filter(media=media).values_list("name", flat=True)]
        storage.delete(names)
        MediaAttachment.objects.filter(media_id=media_id).delete()
        media.delete()
        selectors.forget_views([media_id])
    return media_id


# --- alt text ----------------------------------------------------------------------------------


def media_describe(*, owner_id: uuid.UUID, media_id: uuid.UUID, alt_text: str) -> Media:
    """The owner sets (or, with "", removes) a media's alt text, whatever its status. Nothing
    is written on a refusal; someone else's media and an unknown id look alike."""
    described = check_alt_text(alt_text)
    with atomic_for(Media):
        media = Media.objects.select_for_update().filter(pk=media_id, owner_id=owner_id).first()
        if media is None:
            raise NotFoundError("You have no media with this id.", field="id")
        if media.alt_text != described:
            media.alt_text = described
            media.save(update_fields=["alt_text", "updated_at"])
            selectors.forget_views([media_id])
    return selectors.media_by_id(media_id=media_id) or media


# --- where media are used (projections of other services' events) ------------------------------


def attachments_replace(*, kind: AttachmentKind, used_by: str, media_ids: list[uuid.UUID]) -> None:
    """What `used_by` (a post, a profile's avatar) uses is now exactly `media_ids`. Idempotent,
    so an event handled twice, or a later snapshot after an earlier one, leaves the same rows."""
    with atomic_for(MediaAttachment):
        MediaAttachment.objects.filter(kind=kind, used_by=used_by).exclude(media_id__in=media_ids).delete()
        MediaAttachment.objects.bulk_create(
            [MediaAttachment(kind=kind, used_by=used_by, media_id=media_id) for media_id in dict.fromkeys(media_ids)],
            ignore_conflicts=True,
        )
