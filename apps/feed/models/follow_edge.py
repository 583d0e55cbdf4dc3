"""The follow graph as the feed knows it, from `user.followed` / `user.unfollowed`."""

from __future__ import annotations

from django.db import models


class FollowEdge(models.Model):
    """`follower_id` follows `followee_id`."""

    id = models.BigAutoField(primary_key=True)
    follower_id = models.UUIDField()
    followee_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Also the index of "whom does this reader follow" (rebuilds, hybrid merge).
            models.UniqueConstraint(fields=["follower_id", "followee_id"], name="feed_follow_once"),
        ]
        indexes = [
            # An author's followers in follower order: the fan-out's keyset batches.
            models.Index(fields=["followee_id", "follower_id"], name="feed_follow_followers"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} -> {self.followee_id}"
