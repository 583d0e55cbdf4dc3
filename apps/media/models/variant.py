"""A stored rendition of a media: the metadata-free original and each thumbnail."""

from __future__ import annotations

from django.db import models

from apps.media.models.media import Media


class MediaVariant(models.Model):
    id = models.BigAutoField(primary_key=True)
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="variants", db_index=False)
    size = models.CharField(max_length=10)  # apps.media.contracts.MediaSize
    name = models.CharField(max_length=255)  # storage name
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["media", "size"], name="media_variant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.media_id}/{self.size}"
