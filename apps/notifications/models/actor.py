"""Users as notifications show them: this service's copy of the users service's profiles.

Fed by `user.profile_created` / `user.profile_updated`; never read from the users database.
Events of different users are not ordered, so a notification may name an actor this
projection has not heard of yet (it shows up once the profile event arrives).
"""

from __future__ import annotations

from django.db import models


class Actor(models.Model):
    user_id = models.UUIDField(primary_key=True)
    username = models.CharField(max_length=30, blank=True, default="")
    display_name = models.CharField(max_length=50, blank=True, default="")
    avatar_media_id = models.UUIDField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.username or str(self.user_id)
