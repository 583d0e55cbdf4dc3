"""Media rows for tests that need media without uploading them (ports, lists, permissions),
written straight to the media database. Uploads go through the services instead."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from factory.declarations import LazyFunction, Sequence
from factory.django import DjangoModelFactory

from apps.media.ids import uuid7
from apps.media.models import Media, MediaStatus, MediaVariant


class MediaFactory(DjangoModelFactory[Media]):
    class Meta:
        model = Media

    id = LazyFunction(uuid7)
    owner_id = LazyFunction(uuid.uuid4)
    status = MediaStatus.READY
    content_type = "image/jpeg"
    size_bytes = 1234
    sha256 = Sequence(lambda n: hashlib.sha256(str(n).encode()).hexdigest())
    width = 1600
    height = 1200


SIZES = {
    "original": (1600, 1200, "image/jpeg", "jpg"),
    "large": (1080, 810, "image/webp", "webp"),
    "small": (320, 240, "image/webp", "webp"),
}


def make_media(*, variants: bool = True, **fields: Any) -> Media:
    """A saved media (READY, with its three variants' rows, unless told otherwise). The variant
    names point at no stored file."""
    media: Media = MediaFactory.create(**fields)
    if variants and media.status == MediaStatus.READY:
        MediaVariant.objects.bulk_create(
            MediaVariant(
                media=media,
                size=size,
                name=f"images/{media.id}/{size}-test.{extension}",
                content_type=content_type,
                size_bytes=100,
                width=width,
                height=height,
            )
            for size, (width, height, content_type, extension) in SIZES.items()
        )
    return media
