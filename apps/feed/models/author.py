"""Authors as the feed shows them: its own copy of the users service's profiles.

The feed never reads the users database: it keeps this projection from `user-events`
(`user.profile_created`, `user.profile_updated`). Events of different users are not ordered
with each other, so a row may exist for a user only follow events have named so far.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


class Author(models.Model):
    """A user as the feed shows them. `username` is empty while only follow events have named them."""

    user_id = models.UUIDField(primary_key=True)
    username = models.CharField(max_length=30, blank=True, default="")
    display_name = models.CharField(max_length=50, blank=True, default="")
    avatar_media_id = models.UUIDField(null=True, blank=True)
    # Denormalised from FollowEdge: decides push (fan-out) or pull (merged at read time).
    followers_count = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # userPosts(username:) and mentions: case-insensitive lookup. Not unique: a projection
            # may briefly hold an old and a new holder of a name while events catch up.
            models.Index(Lower("username"), name="feed_author_username_ci"),
            # The authors too big to fan out (followers_count > FEED_FANOUT_MAX_FOLLOWERS, a
            # setting, so no partial index): a short range at the top of this index.
            models.Index(fields=["followers_count"], name="feed_author_followers"),
        ]

    def __str__(self) -> str:
        return self.username or str(self.user_id)
