"""`manage.py reindex_search [--recreate] [--chunk-size N]`: rebuild the post search index from
the feed database, with a progress bar on stderr.

Without `--recreate` every post's document is written again (idempotent; safe while events
flow). `--recreate` first drops and recreates the Elasticsearch index, or empties the search
table, so documents of posts that no longer exist go too (searches see a partial index until
the rebuild ends).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError

from apps.feed.search import config
from apps.feed.search.backends import search_backend
from apps.feed.search.reindex import ProgressBar, posts_to_index, reindex_posts


class Command(BaseCommand):
    help = "Rebuild the post search index (Elasticsearch or the database) from the feed's posts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--recreate", action="store_true", help="Drop and recreate the index (or empty the table) first."
        )
        parser.add_argument(
            "--chunk-size", type=int, default=None, help="Posts read and indexed per round (default 500)."
        )

    def handle(self, *args: Any, recreate: bool, chunk_size: int | None, **options: Any) -> None:
        size = config.reindex_chunk_size() if chunk_size is None else chunk_size
        if size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        backend = search_backend()
        self.stderr.ending = ""  # the bar writes its own line ends (or a carriage return)
        progress = ProgressBar(cast("TextIO", self.stderr), total=posts_to_index())
        progress.update(0)
        indexed = reindex_posts(backend=backend, recreate=recreate, chunk_size=size, progress=progress.update)
        progress.finish()
        posts = "post" if indexed == 1 else "posts"
        self.stdout.write(f"Indexed {indexed:,} {posts} into the {backend.name} search index.")
