"""Where a media is used: the media service's own projection of the feed's posts and the users
service's avatars, kept from `post-events` and `user-events` (apps/media/events.py).

A media with a row here may be shown to whoever may see what uses it; one without is its
owner's alone. Rows reference other services by id, with no constraint across databases.
"""

from __future__ import annotations

from django.db import models


class AttachmentKind(models.TextChoices):
    POST = "post"  # `used_by` is a post id (the feed's integer, as text)
    AVATAR = "avatar"  # `used_by` is the profile's user id


class MediaAttachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    media_id = models.UUIDField()
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    used_by = models.CharField(max_length=64)
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Is this media used anywhere? WHERE media_id = ANY(?)
            models.Index(fields=["media_id"], name="media_attachment_media"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "used_by", "media_id"], name="media_attachment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.media_id} in {self.kind} {self.used_by}"
