"""`manage.py reindex_search`: the index rebuilt from the posts, chunk by chunk, with progress
on stderr; `--recreate` empties it first."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from apps.feed.models import Post
from apps.feed.models.search_entry import PostSearchEntry
from apps.feed.search.database import DatabaseSearchBackend
from apps.feed.search.documents import SearchDocument
from apps.feed.search.reindex import ProgressBar
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_post

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def reindex(*arguments: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("reindex_search", *arguments, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def entries() -> list[tuple[int, uuid.UUID, str, list[str], datetime]]:
    return list(
        PostSearchEntry.objects.order_by("post_id").values_list(
            "post_id", "author_id", "text", "hashtags", "created_at"
        )
    )


def as_entries(posts: list[Post]) -> list[tuple[int, uuid.UUID, str, list[str], datetime]]:
    return [(post.id, post.author_id, post.content, post.hashtags, post.created_at) for post in posts]


def test_reindex_rebuilds_the_index_after_the_table_is_emptied() -> None:
    posts = [make_post(content=f"post {n} about #Django") for n in range(5)]
    reindex()
    PostSearchEntry.objects.all().delete()

    stdout, stderr = reindex("--chunk-size", "2")

    assert entries() == as_entries(posts)
    assert stdout == "Indexed 5 posts into the database search index.\n"
    assert stderr.splitlines() == [
        "[------------------------------] 0/5 posts   0%",
        "[############------------------] 2/5 posts  40%",
        "[########################------] 4/5 posts  80%",
        "[##############################] 5/5 posts 100%",
    ]


def test_reindex_overwrites_stale_entries_and_recreate_drops_orphans() -> None:
    post = make_post(content="current text")
    orphan = SearchDocument(
        post_id=post.id + 1, author_id=uuid.uuid4(), text="deleted", hashtags=(), created_at=post.created_at
    )
    DatabaseSearchBackend().index_posts(
        [SearchDocument(post.id, post.author_id, "old text", (), post.created_at), orphan]
    )

    reindex()
    assert [(entry[0], entry[2]) for entry in entries()] == [(post.id, "current text"), (orphan.post_id, "deleted")]

    reindex("--recreate")
    assert entries() == as_entries([post])


def test_reindexing_no_posts_says_so() -> None:
    stdout, stderr = reindex("--recreate")

    assert (stdout, stderr) == (
        "Indexed 0 posts into the database search index.\n",
        "[##############################] 0/0 posts 100%\n",
    )


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(CommandError) as refused:
        reindex("--chunk-size", "0")

    assert str(refused.value) == "--chunk-size must be at least 1."


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    bar = ProgressBar(terminal, total=3, width=6)

    bar.update(0)
    bar.update(2)
    bar.update(3)
    bar.finish()

    assert terminal.getvalue() == ("\r[------] 0/3 posts   0%\r[####--] 2/3 posts  67%\r[######] 3/3 posts 100%\n")
