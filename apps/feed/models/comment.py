"""Comments on posts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.feed.models.post import Post


class Comment(models.Model):
    """A comment on a post; a post's comments list oldest first by id."""

    id = models.BigAutoField(primary_key=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", db_index=False)
    author_id = models.UUIDField()
    content = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A post's comments page: WHERE post_id = ? AND id > ? ORDER BY id (and the cascade).
            models.Index(fields=["post", "id"], name="feed_comment_page"),
        ]

    def __str__(self) -> str:
        return f"comment {self.id} on {self.post_id}"
