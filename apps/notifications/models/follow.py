"""The follow graph as notifications know it (`user.followed` / `user.unfollowed`), with the bell."""

from __future__ import annotations

from django.db import models


class Follow(models.Model):
    """`follower_id` follows `followee_id`; `post_notifications` is the follower's bell for them."""

    id = models.BigAutoField(primary_key=True)
    follower_id = models.UUIDField()
    followee_id = models.UUIDField()
    # Off by default, as Mastodon and X have it; unfollowing deletes the row, and the bell with it.
    post_notifications = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower_id", "followee_id"], name="notifications_follow_once"),
        ]
        indexes = [
            # Who rang the bell for an author: a short range of the author's followers.
            models.Index(
                fields=["followee_id", "follower_id"],
                condition=models.Q(post_notifications=True),
                name="notifications_follow_bell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} -> {self.followee_id}"
