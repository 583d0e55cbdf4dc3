"""Accounts a user no longer wants notifications from (this service owns the list)."""

from __future__ import annotations

from django.db import models


class Mute(models.Model):
    id = models.BigAutoField(primary_key=True)
    user_id = models.UUIDField()
    muted_user_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "muted_user_id"], name="notifications_mute_once")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.muted_user_id}"
