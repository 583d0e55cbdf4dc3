"""The database timeline store's entries (Redis holds them otherwise)."""

from __future__ import annotations

from django.db import models


class TimelineEntry(models.Model):
    """One post id in one user's home timeline (the database store; Redis holds them otherwise).

    Post id 0 is the timeline's sentinel: present exactly when the timeline was built, so an
    empty timeline is told apart from a missing one (as the Redis store does with member "0").
    Post ids are plain ids (no constraint): a deleted post's entries are dropped on read.
    """

    id = models.BigAutoField(primary_key=True)
    user_id = models.UUIDField()
    post_id = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the page index: WHERE user_id = ? AND post_id < ? ORDER BY post_id DESC.
            models.UniqueConstraint(fields=["user_id", "post_id"], name="feed_timeline_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} in {self.user_id}'s timeline"
