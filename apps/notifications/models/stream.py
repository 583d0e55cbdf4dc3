"""Each user's stream: every change a client should see, at a position that only grows.

A socket pushes the entry as stored (`payload` is the server message), and a reconnecting
client asks for what came after the last position it saw. `UserStream` hands out positions.
"""

from __future__ import annotations

from django.db import models


class UserStream(models.Model):
    user_id = models.UUIDField(primary_key=True)
    last_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"stream of {self.user_id} at {self.last_position}"


class StreamEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    user_id = models.UUIDField()
    position = models.BigIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "position"], name="notifications_stream_position_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="notifications_stream_age")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.position}"
