"""Posts as notifications show them: id, author and the first characters, from `post-events`."""

from __future__ import annotations

from django.db import models

EXCERPT_CHARS = 140


class PostExcerpt(models.Model):
    post_id = models.BigIntegerField(primary_key=True)
    author_id = models.UUIDField()
    excerpt = models.CharField(max_length=EXCERPT_CHARS, blank=True, default="")
    # Kept (not deleted) so a like or comment arriving after `post.deleted` still finds it gone.
    deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"post {self.post_id}"
