"""Refresh tokens issued, so each can be used once and a stolen one is caught."""

from __future__ import annotations

import uuid

from django.db import models

from apps.auth.models.user import User


class RefreshSession(models.Model):
    """One refresh token. Rotation chains tokens into a family (one login): using a token
    twice means it was copied, and the whole family is revoked (RFC 6819 5.2.2.3)."""

    jti = models.CharField(max_length=64, unique=True)
    family_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.jti}"
