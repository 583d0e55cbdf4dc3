"""Hashtags of posts, one row each, so postsByHashtag is an index scan."""

from __future__ import annotations

from django.db import models

from apps.feed.models.post import Post
from apps.feed.text_rules import HASHTAG_MAX_LENGTH


class PostHashtag(models.Model):
    """`post` carries `#tag` (lower-cased)."""

    id = models.BigAutoField(primary_key=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="hashtag_rows")
    tag = models.CharField(max_length=HASHTAG_MAX_LENGTH)

    class Meta:
        constraints = [
            # Also the index of postsByHashtag: WHERE tag = ? AND post_id < ? ORDER BY post_id DESC.
            models.UniqueConstraint(fields=["tag", "post"], name="feed_hashtag_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.tag} on {self.post_id}"
