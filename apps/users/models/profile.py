"""Profiles: the public face of an identity, created when the auth service announces it."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 300
USERNAME_MAX_LENGTH = 30


class Profile(models.Model):
    """One per identity. The username is a copy of the auth service's (never read from its
    database); the counts are denormalised and change in the transaction of the follow row."""

    # The identity's id (auth service): the same UUID across services, hence no default.
    user_id = models.UUIDField(primary_key=True)
    username = models.CharField(max_length=USERNAME_MAX_LENGTH)
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_LENGTH)
    bio = models.CharField(max_length=BIO_MAX_LENGTH, blank=True, default="")
    # A media id (media service). Not checked to exist: the media port comes with a later issue.
    avatar_media_id = models.UUIDField(null=True, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="users_profile_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username
