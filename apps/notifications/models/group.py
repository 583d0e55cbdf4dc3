"""Grouped notifications, as Mastodon 4.3 has them: "Ana and 12 others liked your post" is ONE row.

`position` is the recipient's stream position of the group's latest activity: the list is
ordered by it (newest activity first) and paged on it, so a group with a new actor moves up.
"""

from __future__ import annotations

from django.db import models

from apps.notifications.models.kind import Kind

LATEST_ACTORS = 3


class NotificationGroup(models.Model):
    id = models.BigAutoField(primary_key=True)
    recipient_id = models.UUIDField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What makes two notifications one group: "like:<post id>", "follow:<day>", ...
    group_key = models.CharField(max_length=64)
    post_id = models.BigIntegerField(null=True, blank=True)
    actor_count = models.IntegerField(default=0)
    # The latest few actors, newest first (UUID strings): what a list shows without a join.
    latest_actor_ids = models.JSONField(default=list)
    latest_at = models.DateTimeField()
    position = models.BigIntegerField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient_id", "group_key"], name="notifications_group_once"),
            models.UniqueConstraint(fields=["recipient_id", "position"], name="notifications_group_position"),
        ]
        indexes = [
            # The unread count: a short range per recipient.
            models.Index(
                fields=["recipient_id"], condition=models.Q(read_at__isnull=True), name="notifications_group_unread"
            ),
            # A deleted post takes its groups away (every recipient).
            models.Index(fields=["post_id"], name="notifications_group_post"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} group {self.group_key} of {self.recipient_id}"
