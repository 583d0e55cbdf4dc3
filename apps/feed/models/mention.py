"""Mentions of known users in posts, one row each (posts mentioning a user)."""

from __future__ import annotations

from django.db import models

from apps.feed.models.post import Post


class PostMention(models.Model):
    """`post` mentions the user `user_id` (only mentions of users the feed knows are rows)."""

    id = models.BigAutoField(primary_key=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mention_rows")
    user_id = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "post"], name="feed_mention_once"),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} on {self.post_id}"
