"""Profile of one fully hydrated homeFeed page, in process (no HTTP server, one thread).

    .venv/bin/python bench/profile_home_feed.py [--rounds N] [--top N] [--no-profile]

Seeds a modest graph of its own (readers following ~40 authors and one author too big to fan
out, posts with hashtags, mentions and media, some liked by the reader) into databases of its
own (`bench_profile_socialapp_*`, created if missing, kept afterwards) and Redis database 14
(flushed at start), reads every reader's home feed once (the timeline is built, the posts are
cached), then times a 20-post page six ways, as the deployment runs it (`socialapp.settings`,
DEBUG off, the environment's DATABASE_CONN_MAX_AGE / DATABASE_POOL):

- selector: `selectors.home_feed_page` (timeline store, pulled authors, post cache);
- selector + loaders: that plus the two batched lookups a page needs (authors, likedByMe);
- request floor: the smallest authenticated GraphQL request (`{ __typename }`), on a kept
  connection: what every request costs before any field;
- GraphQL ids only: the homeFeed request asking only for the posts' ids, kept connection: the
  page without its fields and their hydration;
- GraphQL, kept conn.: the same request on a connection left open (what CONN_MAX_AGE > 0
  would give), to tell the connection's cost from the rest;
- GraphQL: the whole request through Django's test client (middleware, JWT, view, graphene)
  with a real access token, asking for every field of a post and its author; connections are
  closed (or given back to the pool) after each request, as a server does.

Then it runs the GraphQL request under cProfile and prints the hot spots. About 30 seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import distribution_ms, ensure_databases, log, setup_django  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_profile_socialapp"
REDIS_URL = "redis://127.0.0.1:6379/14"
PAGE = 20
HOME_QUERY = """
query Home($first: Int) {
  homeFeed(first: $first) {
    edges {
      cursor
      node {
        id content mediaIds hashtags mentions { username userId } status createdAt editedAt
        likeCount commentCount likedByMe
        author { id username displayName avatarMediaId }
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
# The same page asking only for ids (what the page costs before its fields), and the smallest
# authenticated request (what any request costs: middleware, token, view, JSON).
IDS_QUERY = "query Home($first: Int) { homeFeed(first: $first) { edges { node { id } } } }"
FLOOR_QUERY = "query Floor { __typename }"
SIZE = {"readers": 8, "authors": 300, "follows": 40, "posts_per_author": 8, "big_author_posts": 20}


def configure(database_url: str, jwt_dir: str) -> None:
    setup_django(database_url, environment={"REDIS_URL": REDIS_URL, "JWT_KEYS_DIR": jwt_dir})


def seed(rng: random.Random) -> list[tuple[uuid.UUID, str]]:
    """Fresh feed data; returns the readers (user id, username)."""
    from django.db import connections, router

    from apps.feed.ids import next_post_id
    from apps.feed.models import Author, FollowEdge, Like, Post, PostStatus
    from apps.feed.text_rules import parse_hashtags

    with connections[router.db_for_write(Post)].cursor() as cursor:
        cursor.execute(
            "TRUNCATE feed_post, feed_like, feed_followedge, feed_author, feed_timelinereader,"
            " feed_timelineentry CASCADE"
        )
    now = datetime.now(UTC)
    authors = [
        Author(
            user_id=uuid.uuid4(),
            username=f"author{i}",
            display_name=f"Author {i}",
            avatar_media_id=uuid.uuid4() if i % 3 else None,
            followers_count=SIZE["readers"],
        )
        for i in range(SIZE["authors"])
    ]
    # Above FEED_FANOUT_MAX_FOLLOWERS: pulled at read time and merged, as a celebrity is.
    big = Author(user_id=uuid.uuid4(), username="celebrity", display_name="Celebrity", followers_count=50_000)
    readers = [Author(user_id=uuid.uuid4(), username=f"reader{i}", display_name="") for i in range(SIZE["readers"])]
    Author.objects.bulk_create([*authors, big, *readers])
    follows = []
    for reader in readers:
        for author in [*rng.sample(authors, SIZE["follows"]), big]:
            follows.append(FollowEdge(follower_id=reader.user_id, followee_id=author.user_id))
    FollowEdge.objects.bulk_create(follows)
    words = ["the", "a", "feed", "post", "about", "lunch", "code", "cats", "music", "rain", "travel", "news"]
    posts = []
    writers = [author for author in authors for _ in range(SIZE["posts_per_author"])]
    writers += [big] * SIZE["big_author_posts"]
    rng.shuffle(writers)
    for n, writer in enumerate(writers):
        mentioned = rng.choice(authors)
        content = " ".join(rng.choices(words, k=14)) + f" #{rng.choice(words)} @{mentioned.username}"
        posts.append(
            Post(
                id=next_post_id(),
                author_id=writer.user_id,
                content=content,
                media_ids=[str(uuid.uuid4()) for _ in range(n % 3)],
                hashtags=parse_hashtags(content),
                mentions=[{"username": mentioned.username, "user_id": str(mentioned.user_id)}],
                status=PostStatus.PUBLISHED,
                created_at=now - timedelta(seconds=len(writers) - n),
                edited_at=now if n % 7 == 0 else None,
                like_count=rng.randrange(50),
                comment_count=rng.randrange(9),
            )
        )
    Post.objects.bulk_create(posts)
    likes = [Like(post=post, user_id=reader.user_id) for reader in readers for post in posts if rng.random() < 0.3]
    Like.objects.bulk_create(likes)
    return [(reader.user_id, reader.username) for reader in readers]


def graphql_caller() -> Any:
    """A function that sends one GraphQL request through Django's test client and checks it."""
    from django.db import close_old_connections
    from django.test import Client

    client = Client()
    bodies = {
        query: json.dumps({"query": query, "variables": {"first": PAGE} if "$first" in query else {}})
        for query in (HOME_QUERY, IDS_QUERY, FLOOR_QUERY)
    }

    def graphql(token: str, *, keep_connection: bool = False, query: str = HOME_QUERY) -> None:
        response = client.post(
            "/graphql/feed/", bodies[query], content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        if not keep_connection:
            # The test client keeps connections open between requests; a server closes them (or
            # gives them back to the pool) when a request finishes: do as it does.
            close_old_connections()
        data = response.json()
        if response.status_code != 200 or "errors" in data:
            raise RuntimeError(response.content[:300])
        if query != FLOOR_QUERY and len(data["data"]["homeFeed"]["edges"]) != PAGE:
            raise RuntimeError(response.content[:300])

    return graphql


def statements_of(graphql: Any, token: str) -> list[str]:
    """The SQL one request sends to the feed database."""
    from django.db import connections

    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connections["feed"].execute_wrapper(record):  # survives the request's reconnection
        graphql(token)
    return statements


class Timer:
    """Wall and CPU time per named measure."""

    names = (
        "selector",
        "selector + loaders",
        "request floor",
        "GraphQL ids only",
        "GraphQL, kept conn.",
        "GraphQL request",
    )

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {name: [] for name in self.names}
        self.cpu: dict[str, float] = dict.fromkeys(self.names, 0.0)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.process_time()
        yield
        self.times[name].append(time.perf_counter() - started)
        self.cpu[name] += time.process_time() - cpu_started


def time_selectors(timer: Timer, readers: list[tuple[uuid.UUID, str]], rounds: int) -> None:
    from apps.feed import selectors

    for _ in range(rounds):
        for user_id, _ in readers:
            with timer.timed("selector"):
                selectors.home_feed_page(user_id=user_id, first=PAGE)
            with timer.timed("selector + loaders"):
                page = selectors.home_feed_page(user_id=user_id, first=PAGE)
                selectors.authors_by_ids(post.author_id for post in page.posts)
                selectors.liked_among(user_id=user_id, post_ids=[post.id for post in page.posts])


def time_requests(timer: Timer, graphql: Any, tokens: list[str], rounds: int) -> None:
    from django.db import close_old_connections

    for _ in range(rounds):
        for token in tokens:
            with timer.timed("request floor"):
                graphql(token, keep_connection=True, query=FLOOR_QUERY)
            with timer.timed("GraphQL ids only"):
                graphql(token, keep_connection=True, query=IDS_QUERY)
            with timer.timed("GraphQL, kept conn."):
                graphql(token, keep_connection=True)
    for _ in range(rounds):
        for token in tokens:
            close_old_connections()  # what a request starts with: no connection, or a pooled one
            with timer.timed("GraphQL request"):
                graphql(token)


def measure(readers: list[tuple[uuid.UUID, str]], tokens: list[str], rounds: int) -> dict[str, Any]:
    graphql = graphql_caller()
    for token in tokens:  # builds the timelines, fills the post cache
        graphql(token)
    statements = statements_of(graphql, tokens[0])
    timer = Timer()
    # The selector figures and "kept conn." on a warm connection (kept open, as are the server
    # process's caches behind it); the GraphQL request as a server runs it: connecting (or taking
    # a pooled connection) included.
    time_selectors(timer, readers, rounds)
    time_requests(timer, graphql, tokens, rounds)
    return {
        "queries_per_request": [sql[:110] for sql in statements],
        "ms": {name: distribution_ms(values) for name, values in timer.times.items()},
        # This process's CPU time per page (not PostgreSQL's or Redis's): steadier than wall time
        # on a machine shared with other work.
        "cpu_ms": {name: 1000 * timer.cpu[name] / len(timer.times[name]) for name in Timer.names},
        "graphql": graphql,
    }


def profile(graphql: Any, tokens: list[str], requests: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests):
        graphql(tokens[i % len(tokens)])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    print(f"--- cProfile of {requests} GraphQL requests: by own time ---", file=out)
    stats.sort_stats("tottime").print_stats(top)
    print("--- by cumulative time ---", file=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--rounds", type=int, default=25, help="pages per reader and measure (default 25)")
    parser.add_argument("--top", type=int, default=30, help="functions shown per profile listing")
    parser.add_argument("--profile-requests", type=int, default=200)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    ensure_databases(args.database_url)
    configure(args.database_url, tempfile.mkdtemp(prefix="bench-jwt-"))
    import redis
    from django.conf import settings

    from tests.auth_helpers import access_token_for

    redis.Redis.from_url(REDIS_URL).flushdb()
    log("seeding")
    readers = seed(random.Random(6))
    tokens = [access_token_for(user_id, username) for user_id, username in readers]
    pool = settings.DATABASES["feed"].get("OPTIONS", {}).get("pool", False)
    log(
        f"measuring: {len(readers)} readers x {args.rounds} rounds; CONN_MAX_AGE="
        f"{settings.DATABASES['feed']['CONN_MAX_AGE']}, pool={pool}; load {os.getloadavg()}"
    )
    result = measure(readers, tokens, args.rounds)
    print(f"\nFeed database queries of one steady-state request ({len(result['queries_per_request'])}):")
    for sql in result["queries_per_request"]:
        print(f"  {sql}")
    print(f"\nPer {PAGE}-post page, ms:")
    print(f"  {'':<20} {'p50':>7} {'mean':>7} {'p90':>7} {'min':>7} {'cpu':>7}")
    for name, d in result["ms"].items():
        print(
            f"  {name:<20} {d['p50']:>7.2f} {d['mean']:>7.2f} {d['p90']:>7.2f} {d['min']:>7.2f}"
            f" {result['cpu_ms'][name]:>7.2f}"
        )
    if not args.no_profile:
        print()
        print(profile(result["graphql"], tokens, args.profile_requests, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
