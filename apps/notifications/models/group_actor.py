"""Who is in a group: one row per actor, so the same actor never counts twice (like, unlike, like)."""

from __future__ import annotations

from django.db import models

from apps.notifications.models.group import NotificationGroup


class GroupActor(models.Model):
    id = models.BigAutoField(primary_key=True)
    group = models.ForeignKey(NotificationGroup, on_delete=models.CASCADE, related_name="actors")
    actor_id = models.UUIDField()
    # The comments that put this actor in a comment group: deleting the last one takes them out.
    comment_ids = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "actor_id"], name="notifications_group_actor_once")]

    def __str__(self) -> str:
        return f"{self.actor_id} in {self.group_id}"
