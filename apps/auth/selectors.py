"""Reads of the auth service."""

from __future__ import annotations

import uuid

from apps.auth.models import User


def user_get(*, user_id: uuid.UUID) -> User | None:
    return User.objects.filter(id=user_id, is_active=True).first()
