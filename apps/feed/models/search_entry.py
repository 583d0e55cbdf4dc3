"""The database search index: one entry per post, written only by the search indexer.

Its own table rather than a query on `Post`, so searching never reads the posts table (and
the index could move to another store): the indexer copies what `post.created` and
`post.edited` carry. On PostgreSQL the migration adds a GIN index on
`to_tsvector('english', text)` (apps/feed/search/database.py queries that exact expression).
"""

from __future__ import annotations

from django.db import models

TABLE = "feed_post_search_entry"
TEXT_INDEX = "feed_search_text_english"


class PostSearchEntry(models.Model):
    # The post's id (time-ordered: a greater id is a newer post). No constraint on `Post`.
    post_id = models.BigIntegerField(primary_key=True)
    author_id = models.UUIDField()
    text = models.TextField()
    # Lower-cased, without the #.
    hashtags = models.JSONField(default=list)
    created_at = models.DateTimeField()

    objects: models.Manager[PostSearchEntry] = models.Manager()

    class Meta:
        db_table = TABLE

    def __str__(self) -> str:
        return f"search entry of post {self.post_id}"
