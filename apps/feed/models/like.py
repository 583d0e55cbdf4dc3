"""Likes of posts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.feed.models.post import Post


class Like(models.Model):
    """`user_id` likes `post` (at most once)."""

    id = models.BigAutoField(primary_key=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index of likedByMe: WHERE user_id = ? AND post_id IN (page).
            models.UniqueConstraint(fields=["user_id", "post"], name="feed_like_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"
