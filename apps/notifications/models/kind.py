"""The kinds of notification."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    FOLLOW = "follow"  # grouped by recipient and day
    MENTION = "mention"  # one per post
    LIKE = "like"  # grouped per post
    COMMENT = "comment"  # grouped per post
    POST = "post"  # a new post from an account whose bell the recipient rang; one per post
