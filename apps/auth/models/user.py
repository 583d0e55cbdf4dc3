"""Identities: who can log in, and with what."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from apps.auth.identifiers import identifier_key

USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,30}$"
USERNAME_RULES = "3 to 30 characters: letters A-Z (any case), digits and underscores"


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save()
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username_key=identifier_key(username or ""))


class User(AbstractBaseUser):
    """An identity. Usernames and emails are unique by their identifier key (apps/auth/identifiers.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=30, unique=True)
    email = models.EmailField(max_length=254)
    # Derived on every save: what lookups, uniqueness and throttling compare.
    username_key = models.CharField(max_length=90, unique=True, editable=False)
    email_key = models.CharField(max_length=762, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    objects = UserManager()

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A key can never disagree with the value it is derived from.
        self.username_key = identifier_key(self.username)
        self.email_key = identifier_key(self.email)
        super().save(*args, **kwargs)
