"""Posts: what an author wrote, with what was parsed out of it and its denormalised counts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PostStatus(models.TextChoices):
    # Saved and announced (`post.created`), not yet pushed into the followers' home timelines.
    PENDING = "PENDING", "Pending"
    # The fan-out consumer has pushed it into the home timelines.
    PUBLISHED = "PUBLISHED", "Published"


class Post(models.Model):
    """One post. The id is time-ordered (apps/feed/ids.py): lists sort and page by it alone."""

    id = models.BigIntegerField(primary_key=True)
    # The author's user id (an identity of the auth service: a plain id, no constraint).
    author_id = models.UUIDField()
    content = models.TextField()
    # Media ids (media service), in the order given; checked through the media port when written.
    media_ids = models.JSONField(default=list)
    # Parsed from the content when it is written; also stored in PostHashtag / PostMention for lookups.
    hashtags = models.JSONField(default=list)
    # [{"username": as written, "user_id": the author projection's id for it, or null}]
    mentions = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=PostStatus.choices, default=PostStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Denormalised: changed with F() in the transaction of the like or comment row.
    like_count = models.IntegerField(default=0)
    comment_count = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # A user's posts, newest first: WHERE author_id = ? AND id < ? ORDER BY id DESC.
            models.Index(fields=["author_id", "-id"], name="feed_post_author_page"),
        ]

    def __str__(self) -> str:
        return f"post {self.id} by {self.author_id}"
