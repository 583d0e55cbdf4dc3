"""The follow graph: one row per (follower, followee) edge."""

from __future__ import annotations

from django.db import models

from apps.users.models.profile import Profile


class Follow(models.Model):
    """`follower` follows `followee`. The id orders the lists (newest first, keyset pagination)."""

    id = models.BigAutoField(primary_key=True)
    # The composite indexes below cover both columns, so no single-column index on either.
    follower = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="following_edges", db_index=False)
    followee = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="follower_edges", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="users_follow_once"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="users_follow_not_self"),
        ]
        indexes = [
            # A profile's followers page: WHERE followee_id = ? AND id < ? ORDER BY id DESC.
            models.Index(fields=["followee", "-id"], name="users_follow_followers_page"),
            # A profile's following page.
            models.Index(fields=["follower", "-id"], name="users_follow_following_page"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} -> {self.followee_id}"
