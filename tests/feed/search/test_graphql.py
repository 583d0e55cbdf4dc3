"""`searchPosts` on the feed's GraphQL API (in-process): the feed's own post type, hydrated in
a constant number of queries, paged by the search's cursors, typed errors for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.feed.models import Author, Like, Post
from apps.feed.search.database import DatabaseSearchBackend
from apps.feed.search.documents import SearchDocument
from apps.feed.snapshots import uncache
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_post

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PATH = "/graphql/feed/"
SEARCH = """
query($query: String!, $first: Int, $after: String) {
  searchPosts(query: $query, first: $first, after: $after) {
    edges { cursor node { id content hashtags likedByMe author { username } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def indexed(post: Post) -> Post:
    DatabaseSearchBackend().index_posts(
        [SearchDocument(post.id, post.author_id, post.content, tuple(post.hashtags), post.created_at)]
    )
    return post


def gql(client: Client, query: str, first: int | None = None, after: str | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"query": query, "first": first, "after": after}
    response = client.post(PATH, {"query": SEARCH, "variables": variables}, "application/json")
    body: dict[str, Any] = response.json()
    return body


def viewer_client(author: Author) -> Client:
    return Client(headers=bearer(access_token_for(author.user_id, author.username)))


def test_search_returns_the_feeds_posts_best_first_with_the_viewers_likes() -> None:
    alice, bob = make_author(username="alice"), make_author(username="bob")
    once = indexed(make_post(alice, content="Django rocks #django"))
    twice = indexed(make_post(bob, content="django, django everywhere"))
    indexed(make_post(bob, content="Flask is fine"))
    Like.objects.create(post=once, user_id=bob.user_id)

    body = gql(viewer_client(bob), "django")

    connection = body["data"]["searchPosts"]
    assert [edge["node"] for edge in connection["edges"]] == [
        {
            "id": str(twice.id),
            "content": "django, django everywhere",
            "hashtags": [],
            "likedByMe": False,
            "author": {"username": "bob"},
        },
        {
            "id": str(once.id),
            "content": "Django rocks #django",
            "hashtags": ["django"],
            "likedByMe": True,
            "author": {"username": "alice"},
        },
    ]
    assert connection["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": connection["edges"][0]["cursor"],
        "endCursor": connection["edges"][1]["cursor"],
    }


def test_pages_through_the_api_have_no_duplicates_or_gaps() -> None:
    author = make_author(username="writer")
    posts = [indexed(make_post(author, content=f"search result {n}")) for n in range(7)]

    seen: list[str] = []
    after = None
    for expected_next in (True, True, False):
        connection = gql(Client(), "search", first=3, after=after)["data"]["searchPosts"]
        seen.extend(edge["node"]["id"] for edge in connection["edges"])
        assert connection["pageInfo"]["hasNextPage"] is expected_next
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        after = connection["pageInfo"]["endCursor"]

    assert seen == [str(post.id) for post in reversed(posts)]  # equal ranks: newest first


def test_a_hit_whose_post_is_gone_is_left_out_and_the_next_page_starts_after_it() -> None:
    author = make_author(username="writer")
    older = indexed(make_post(author, content="match one"))
    gone = indexed(make_post(author, content="match two"))
    Post.objects.filter(pk=gone.pk).delete()  # the post.deleted event has not reached the indexer yet

    first = gql(Client(), "match", first=1)["data"]["searchPosts"]
    second = gql(Client(), "match", first=1, after=first["pageInfo"]["endCursor"])["data"]["searchPosts"]

    assert (first["edges"], first["pageInfo"]["hasNextPage"]) == ([], True)
    assert first["pageInfo"]["endCursor"] is not None
    assert [edge["node"]["id"] for edge in second["edges"]] == [str(older.id)]


ALLOWED = (
    'Search for words, numbers, #hashtags, @mentions or "quoted phrases"; '
    "put - right before a term to leave out posts with it."
)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"query": "  "}, ("query", "blank", "The search query cannot be blank.")),
        ({"query": "cats & dogs"}, ("query", "invalid_query", f'The search query cannot contain "&". {ALLOWED}')),
        ({"query": "cats", "first": 0}, ("first", "out_of_range", "`first` must be between 1 and 100 (got 0).")),
        ({"query": "cats", "first": 101}, ("first", "out_of_range", "`first` must be between 1 and 100 (got 101).")),
        (
            {"query": "cats", "after": "bm90IGEgY3Vyc29y"},
            ("after", "invalid_cursor", "`after` is not a cursor this search handed out."),
        ),
    ],
)
def test_bad_input_is_a_typed_error(arguments: dict[str, Any], error: tuple[str, str, str]) -> None:
    body = gql(Client(), **arguments)

    field, code, message = error
    assert body["data"] is None
    assert [(reported["message"], reported["extensions"]) for reported in body["errors"]] == [
        (message, {"code": code, "field": field})
    ]


def test_a_page_costs_the_same_few_queries_whatever_its_size() -> None:
    reader = make_author(username="reader")
    writers = [make_author(username=f"writer{n}") for n in range(5)]
    posts = [indexed(make_post(writers[n % 5], content=f"common word {n}")) for n in range(20)]
    client = viewer_client(reader)

    def cost(first: int) -> int:
        uncache(post.id for post in posts)  # every post hydrated from the database
        with CaptureQueriesContext(connections["feed"]) as queries:
            edges = gql(client, "common", first=first)["data"]["searchPosts"]["edges"]
        assert len(edges) == first
        return len(queries)

    # The search, the posts, their authors, the viewer's likes among them.
    assert cost(1) == cost(20) == 4
