"""An uploaded image: who owns it, what it is, and where its processing stands."""

from __future__ import annotations

from django.db import models

from apps.media.ids import uuid7


class MediaStatus(models.TextChoices):
    PROCESSING = "PROCESSING"  # accepted; its variants are being made
    READY = "READY"  # its variants are stored and can be linked
    FAILED = "FAILED"  # processing gave up (failure_code says why); nothing is served


class Media(models.Model):
    """One uploaded image. The upload's bytes are kept only until processing has made the
    variants (`staged_name`); what is served is always a variant, never the upload itself."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # The identity's id (auth service): a reference by id, no constraint across databases.
    owner_id = models.UUIDField()
    status = models.CharField(max_length=10, choices=MediaStatus.choices, default=MediaStatus.PROCESSING)
    # Of the upload as received, learnt from its content.
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # As displayed, with the EXIF orientation applied.
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    frames = models.PositiveIntegerField(default=1)
    # What a screen reader speaks (the owner's description, apps/media/alt_text.py); "" if none.
    alt_text = models.CharField(max_length=1500, blank=True, default="")
    # A BlurHash of the image, computed once when processing made the variants; "" until then.
    blurhash = models.CharField(max_length=64, blank=True, default="")
    # Storage name of the upload while it waits to be processed; empty once processed.
    staged_name = models.CharField(max_length=255, blank=True, default="")
    failure_code = models.CharField(max_length=40, blank=True, default="")
    failure_message = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "media"
        indexes = [
            # An owner's media, newest first: WHERE owner_id = ? AND id < ? ORDER BY id DESC.
            models.Index(fields=["owner_id", "-id"], name="media_owner_page"),
            # Media stuck in processing, found by the requeue sweep.
            models.Index(fields=["updated_at"], condition=models.Q(status="PROCESSING"), name="media_processing_since"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["PROCESSING", "READY", "FAILED"]), name="media_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"
