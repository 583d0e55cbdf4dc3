"""The media services on both storages (the local filesystem and S3): an accepted upload ends
READY with metadata-free variants and nothing else stored; a refused one leaves nothing at all."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from PIL import ExifTags, Image

from apps.media import processing, services
from apps.media.errors import ImageRefusedError
from apps.media.models import Media, MediaStatus, MediaVariant
from apps.media.uploads import ReceivedFile
from socialapp.errors import NotFoundError
from tests.media import images
from tests.media.conftest import StorageUnderTest
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=["media"], transaction=True)

OWNER = uuid.UUID("00000000-0000-4000-8000-000000000001")


def upload(data: bytes, owner_id: uuid.UUID = OWNER) -> Media:
    return services.media_upload(owner_id=owner_id, upload=ReceivedFile.from_bytes(data))


def variants_of(media: Media) -> dict[str, tuple[str, int, int]]:
    return {v.size: (v.content_type, v.width, v.height) for v in MediaVariant.objects.filter(media=media)}


def assert_no_metadata(stored: dict[str, bytes]) -> None:
    for name, raw in stored.items():
        image = Image.open(io.BytesIO(raw))
        assert dict(image.getexif()) == {}, name
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}, name
        assert [secret for secret in images.SECRETS if secret in raw] == [], name


# --- accepted ------------------------------------------------------------------------------


def test_an_upload_is_validated_stored_processed_and_ready(media_storage: StorageUnderTest) -> None:
    data = images.jpeg(1600, 1200)

    media = upload(data)

    assert (media.status, media.owner_id, media.content_type, media.size_bytes) == (
        MediaStatus.READY,
        OWNER,
        "image/jpeg",
        len(data),
    )
    assert (media.width, media.height, media.frames) == (1600, 1200, 1)
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    assert variants_of(media) == {
        "original": ("image/jpeg", 1600, 1200),
        "large": ("image/webp", 1080, 810),
        "small": ("image/webp", 320, 240),
    }
    # Only the variants are kept: the upload (with its EXIF) is gone from storage.
    names = set(MediaVariant.objects.filter(media=media).values_list("name", flat=True))
    assert set(media_storage.objects()) == names
    assert all(name.startswith(f"images/{media.id}/") for name in names)


@pytest.mark.parametrize(
    "data",
    [images.jpeg(), images.jpeg(orientation=8), images.png(), images.webp(), images.gif(frames=3)],
    ids=["jpeg", "jpeg-rotated", "png", "webp", "gif"],
)
def test_no_stored_object_keeps_gps_exif_xmp_or_comments(media_storage: StorageUnderTest, data: bytes) -> None:
    upload(data)

    stored = media_storage.objects()
    assert len(stored) == 3
    assert_no_metadata(stored)


# --- refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (images.SVG, "unsupported_format"),
        (images.HTML, "not_an_image"),
        (images.jpeg_with_zip_appended(), "polyglot"),
        (images.truncated(images.jpeg()), "truncated"),
        (images.png_claiming(30000, 30000), "too_many_pixels"),
        (b"", "empty"),
    ],
    ids=["svg", "html", "polyglot", "truncated", "bomb", "empty"],
)
def test_a_refused_upload_leaves_nothing_behind(media_storage: StorageUnderTest, data: bytes, code: str) -> None:
    with pytest.raises(ImageRefusedError) as refused:
        upload(data)

    assert (refused.value.code, refused.value.field) == (code, "file")
    assert Media.objects.count() == 0
    assert media_storage.objects() == {}


def test_an_upload_cut_off_at_the_limit_is_too_large(media_storage: StorageUnderTest) -> None:
    with pytest.raises(ImageRefusedError) as refused:
        services.media_upload(owner_id=OWNER, upload=None, oversized=True)

    assert refused.value.as_dict() == {
        "field": "file",
        "code": "too_large",
        "message": "The file is larger than the 10 MB limit (10485760 bytes).",
    }
    assert media_storage.objects() == {}


def test_an_upload_over_a_configured_limit_is_too_large(media_storage: StorageUnderTest, settings) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(ImageRefusedError) as refused:
        upload(images.png(300, 300))

    assert refused.value.message == "The file is larger than the 1000 bytes limit."
    assert Media.objects.count() == 0


def test_no_file_is_a_typed_error(media_storage: StorageUnderTest) -> None:
    with pytest.raises(ImageRefusedError) as refused:
        services.media_upload(owner_id=OWNER, upload=None)

    assert refused.value.as_dict() == {
        "field": "file",
        "code": "required",
        "message": "Attach the image as the `file` part of a multipart/form-data request.",
    }


# --- processing ----------------------------------------------------------------------------


def staged(media_storage: StorageUnderTest, data: bytes, **fields: Any) -> Media:
    """A PROCESSING media whose upload waits in storage (as if the queue had not run yet)."""
    media = make_media(status=MediaStatus.PROCESSING, sha256=hashlib.sha256(data).hexdigest(), **fields)
    media.staged_name = f"incoming/{media.id}"
    media.save(update_fields=["staged_name"])
    media_storage.put(media.staged_name, data)
    return media


def test_processing_twice_changes_nothing(media_storage: StorageUnderTest) -> None:
    media = staged(media_storage, images.png(300, 200))

    first = processing.media_process(media_id=media.id)
    stored = media_storage.objects()
    again = processing.media_process(media_id=media.id)

    assert first is not None
    assert again is not None
    assert (first.status, again.status) == (MediaStatus.READY, MediaStatus.READY)
    assert media_storage.objects() == stored
    assert MediaVariant.objects.filter(media=media).count() == 3


def test_an_upload_replaced_after_it_was_checked_fails_and_is_deleted(media_storage: StorageUnderTest) -> None:
    media = staged(media_storage, images.png(300, 200))
    media_storage.put(media.staged_name, images.jpeg())  # e.g. a second POST to a still-valid presigned URL

    failed = processing.media_process(media_id=media.id)

    assert failed is not None
    assert (failed.status, failed.failure_code, failed.failure_message, failed.staged_name) == (
        MediaStatus.FAILED,
        "upload_changed",
        "The uploaded file changed after it was checked.",
        "",
    )
    assert media_storage.objects() == {}


def test_an_upload_that_is_not_an_image_fails_processing_with_the_refusal(media_storage: StorageUnderTest) -> None:
    media = staged(media_storage, images.HTML)

    failed = processing.media_process(media_id=media.id)

    assert failed is not None
    assert (failed.status, failed.failure_code) == (MediaStatus.FAILED, "not_an_image")
    assert media_storage.objects() == {}


def test_an_upload_gone_from_storage_fails_processing(media_storage: StorageUnderTest) -> None:
    media = make_media(status=MediaStatus.PROCESSING, staged_name="incoming/missing")

    failed = processing.media_process(media_id=media.id)

    assert failed is not None
    assert (failed.status, failed.failure_code) == (MediaStatus.FAILED, "upload_missing")


def test_a_media_deleted_before_processing_is_not_processed(media_storage: StorageUnderTest) -> None:
    media = staged(media_storage, images.png(300, 200))
    services.media_delete(owner_id=media.owner_id, media_id=media.id)

    assert processing.media_process(media_id=media.id) is None
    assert media_storage.objects() == {}


def test_media_stuck_in_processing_are_handed_to_the_queue_again(media_storage: StorageUnderTest) -> None:
    stuck = staged(media_storage, images.png(300, 200))
    recent = staged(media_storage, images.png(200, 100))
    Media.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    count = services.media_requeue_stuck(older_than=timedelta(minutes=10))

    assert count == 1
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert (stuck.status, recent.status) == (MediaStatus.READY, MediaStatus.PROCESSING)


# --- deletion ------------------------------------------------------------------------------


def test_the_owner_deletes_a_media_and_every_file_of_it(media_storage: StorageUnderTest) -> None:
    media = upload(images.jpeg())
    other = upload(images.png())

    deleted = services.media_delete(owner_id=OWNER, media_id=media.id)

    assert deleted == media.id
    assert list(Media.objects.values_list("id", flat=True)) == [other.id]
    assert all(name.startswith(f"images/{other.id}/") for name in media_storage.objects())
    assert len(media_storage.objects()) == 3


def test_nobody_else_can_delete_a_media(media_storage: StorageUnderTest) -> None:
    media = upload(images.jpeg())
    stored = media_storage.objects()

    with pytest.raises(NotFoundError) as refused:
        services.media_delete(owner_id=uuid.uuid4(), media_id=media.id)

    assert refused.value.as_dict() == {"field": "id", "code": "not_found", "message": "You have no media with this id."}
    assert Media.objects.filter(pk=media.id).exists()
    assert media_storage.objects() == stored
