"""Which kinds of notification a user wants (a missing row: every kind)."""

from __future__ import annotations

from django.db import models


class Preference(models.Model):
    user_id = models.UUIDField(primary_key=True)
    follow = models.BooleanField(default=True)
    mention = models.BooleanField(default=True)
    like = models.BooleanField(default=True)
    comment = models.BooleanField(default=True)
    post = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))
