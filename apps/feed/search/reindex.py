"""Rebuilding the search index from the posts themselves (`manage.py reindex_search`).

Posts are read in id order, a chunk at a time (keyset, never OFFSET), and written with the
same idempotent `index_posts` the indexer uses, so a reindex can run while events flow. It
does not remove documents of posts deleted meanwhile: `recreate` empties the index first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

from apps.feed.models import Post
from apps.feed.search.backends import SearchBackend
from apps.feed.search.documents import SearchDocument


def posts_to_index() -> int:
    return Post.objects.count()


def post_documents(*, chunk_size: int) -> Iterator[list[SearchDocument]]:
    """Every post as search documents, oldest first, `chunk_size` per list."""
    last_id = 0
    while True:
        rows = list(
            Post.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "author_id", "content", "hashtags", "created_at")[:chunk_size]
        )
        if not rows:
            return
        yield [
            SearchDocument(
                post_id=post_id, author_id=author_id, text=text, hashtags=tuple(hashtags), created_at=created
            )
            for post_id, author_id, text, hashtags, created in rows
        ]
        last_id = rows[-1][0]


def reindex_posts(
    *,
    backend: SearchBackend,
    recreate: bool = False,
    chunk_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Index every post; `progress` hears the running count after each chunk. Returns the count."""
    if recreate:
        backend.reset()
    indexed = 0
    for documents in post_documents(chunk_size=chunk_size):
        backend.index_posts(documents)
        indexed += len(documents)
        if progress is not None:
            progress(indexed)
    return indexed


class ProgressBar:
    """`[#########-----------]  4,500/10,000 posts  45%` redrawn in place (a terminal) or a
    line per update (a log)."""

    def __init__(self, stream: TextIO, *, total: int, unit: str = "posts", width: int = 30) -> None:
        self._stream = stream
        self._total = total
        self._unit = unit
        self._width = width
        self._in_place = stream.isatty()

    def render(self, done: int) -> str:
        fraction = 1.0 if self._total <= 0 else min(done / self._total, 1.0)
        filled = round(fraction * self._width)
        bar = "#" * filled + "-" * (self._width - filled)
        return f"[{bar}] {done:,}/{self._total:,} {self._unit} {fraction:4.0%}"

    def update(self, done: int) -> None:
        if self._in_place:
            self._stream.write(f"\r{self.render(done)}")
        else:
            self._stream.write(f"{self.render(done)}\n")
        self._stream.flush()

    def finish(self) -> None:
        """End the line a bar drawn in place is on (a log has its lines already)."""
        if self._in_place:
            self._stream.write("\n")
            self._stream.flush()
