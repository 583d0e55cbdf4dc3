"""Who reads their home feed, and when: fan-out skips the inactive."""

from __future__ import annotations

from django.db import models


class TimelineReader(models.Model):
    """When a user last read their home feed (written at most once per FEED_ACTIVITY_WRITE_SECONDS).

    Fan-out skips readers inactive for FEED_INACTIVE_DAYS; their timeline is rebuilt when they return.
    """

    user_id = models.UUIDField(primary_key=True)
    last_read_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} read at {self.last_read_at}"
