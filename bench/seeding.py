"""Seeding shared by the benches: a power-law follow graph (a fixed head of much-followed
authors, then a tail found by bisection), written straight into the feed's projections (Author
with its followers_count, FollowEdge, TimelineReader, Post) with COPY, and timelines filled
through the feed's own fan-out. Django must be set up (bench.common.setup_django) before any
function here runs: they import the apps they touch.

A size is a dict: users, edges, big (followers of the pulled authors), fanout_target,
posts_per_author, fanned_rounds, heavy_follows, light_follows, readers_per_group, fanout_reps.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.common import distribution_ms


def feed_conninfo() -> dict[str, Any]:
    from django.db import connections

    db = connections["feed"].settings_dict
    info = {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"],
        "dbname": db["NAME"],
    }
    if db.get("PASSWORD"):
        info["password"] = db["PASSWORD"]
    return info


# --- the graph -------------------------------------------------------------------------------


def degrees(size: dict[str, Any]) -> list[int]:
    """Followers per author rank (rank 0 = most followed): the fixed head, then a power law
    whose exponent is found by bisection so the total is the wanted edge count."""
    n = size["users"]
    head = [*size["big"], size["fanout_target"]]
    top = int(size["fanout_target"] * 0.8)
    rest = n - len(head)
    wanted = size["edges"] - sum(head)

    def tail(alpha: float) -> list[int]:
        return [max(1, round(top * (r + 1) ** -alpha)) for r in range(rest)]

    lo, hi = 0.1, 3.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if sum(tail(mid)) > wanted:
            lo = mid
        else:
            hi = mid
    return head + tail(hi)


def build_graph(size: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    n = size["users"]
    per_group = size["readers_per_group"]
    users = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(n)]
    heavy = list(range(n - 2 * per_group, n - per_group))
    light = list(range(n - per_group, n))
    ordinary = n - 2 * per_group  # users 0 .. ordinary-1 are sampled as followers
    want = degrees(size)
    followers: list[set[int]] = [set() for _ in range(n)]
    n_big = len(size["big"])
    # Readers follow every pulled author (as most people follow a celebrity) and others drawn
    # uniformly from the ordinary users (not the fan-out target, whose count stays exact).
    for reader in heavy:
        for author in [*range(n_big), *rng.sample(range(n_big + 1, ordinary), size["heavy_follows"] - n_big)]:
            followers[author].add(reader)
    for i, reader in enumerate(light):
        for author in [i % n_big, *rng.sample(range(n_big + 1, ordinary), size["light_follows"] - 1)]:
            followers[author].add(reader)
    for author in range(n):
        need = min(want[author], ordinary - 1) - len(followers[author])
        if need <= 0:
            continue
        chosen = [f for f in rng.sample(range(ordinary), min(need + 1, ordinary)) if f != author]
        followers[author].update(chosen[:need])
    return {"users": users, "followers": followers, "heavy": heavy, "light": light, "posting": ordinary}


def graph_from_follows(users: int, follows: list[tuple[int, int]], rng: random.Random) -> dict[str, Any]:
    """A given graph (follower, followee) over users 0 .. users-1, as `seed` and `fill_timelines`
    take it: every user posts (socfb-Reed98 for issue 16: 962 users, 18,812 pairs)."""
    followers: list[set[int]] = [set() for _ in range(users)]
    for follower, followee in follows:
        if follower != followee:
            followers[followee].add(follower)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(users)]
    return {"users": ids, "followers": followers, "heavy": [], "light": [], "posting": users}


WORDS = ["the", "a", "feed", "post", "about", "lunch", "code", "cats", "music", "rain", "travel", "news"]


def copy_graph(cur: Any, users: list[uuid.UUID], followers: list[set[int]], now: datetime) -> None:
    """Author (followers_count = the real in-degree), FollowEdge and TimelineReader rows."""
    with cur.copy("COPY feed_author (user_id, username, display_name, followers_count, updated_at) FROM STDIN") as copy:
        for i, user in enumerate(users):
            copy.write_row((user, f"user{i}", f"User {i}", len(followers[i]), now))
    with cur.copy("COPY feed_followedge (follower_id, followee_id, created_at) FROM STDIN") as copy:
        for author, fans in enumerate(followers):
            for fan in fans:
                copy.write_row((users[fan], users[author], now))
    with cur.copy("COPY feed_timelinereader (user_id, last_read_at) FROM STDIN") as copy:
        for user in users:
            copy.write_row((user, now))


def copy_posts(cur: Any, posts: list[tuple[int, uuid.UUID, int]], rng: random.Random, now: datetime) -> None:
    """Published posts of 16 random words, with random like and comment counts."""
    with cur.copy(
        "COPY feed_post (id, author_id, content, media_ids, hashtags, mentions, status, created_at,"
        " like_count, comment_count) FROM STDIN"
    ) as copy:
        for post_id, author_id, _ in posts:
            text = " ".join(rng.choices(WORDS, k=16))
            row = (post_id, author_id, text, "[]", "[]", "[]", "PUBLISHED", now, rng.randrange(50), rng.randrange(9))
            copy.write_row(row)


def seed(size: dict[str, Any], graph: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Every feed projection emptied, then the graph and `posts_per_author` posts by each of the
    first `posting` users written with COPY. The posts come back under "_posts" (id, author, round)."""
    import psycopg

    from apps.feed.ids import next_post_id

    users, followers = graph["users"], graph["followers"]
    now = datetime.now(UTC)
    started = time.perf_counter()
    posts: list[tuple[int, uuid.UUID, int]] = []  # (id, author, round)
    for round_ in range(size["posts_per_author"]):
        for author in range(graph["posting"]):
            posts.append((next_post_id(), users[author], round_))
    with psycopg.connect(**feed_conninfo(), autocommit=True) as conn:
        conn.execute(
            "TRUNCATE feed_post, feed_followedge, feed_author, feed_timelinereader, feed_timelineentry CASCADE"
        )
        with conn.cursor() as cur:
            copy_graph(cur, users, followers, now)
            copy_posts(cur, posts, rng, now)
        conn.execute("ANALYZE feed_post, feed_followedge, feed_author, feed_timelinereader")
    return {
        "users": len(users),
        "follow_edges": sum(len(f) for f in followers),
        "posts": len(posts),
        "posting_authors": graph["posting"],
        "posts_per_author": size["posts_per_author"],
        "followers_of_top_authors": [len(followers[i]) for i in range(6)],
        "median_followers": sorted(len(f) for f in followers)[len(followers) // 2],
        "seconds": round(time.perf_counter() - started, 1),
        "_posts": posts,
    }


def fill_timelines(
    size: dict[str, Any], graph: dict[str, Any], posts: list[tuple[int, uuid.UUID, int]]
) -> dict[str, Any]:
    """Every reader's timeline built (empty), then the newest rounds of posts fanned out by the
    feed's own code, oldest first, as the `post.created` handler does."""
    from apps.feed.timelines import fanout
    from apps.feed.timelines.store import timeline_store

    store = timeline_store()
    started = time.perf_counter()
    for user in graph["users"]:
        store.replace(user, [])
    built = time.perf_counter() - started
    first_round = size["posts_per_author"] - size["fanned_rounds"]
    fanned = [(post_id, author) for post_id, author, round_ in posts if round_ >= first_round]
    index = {user: i for i, user in enumerate(graph["users"])}
    pushes = 0
    started = time.perf_counter()
    for post_id, author in fanned:
        fanout.fan_out_post(post_id=post_id, author_id=author)
        followers = len(graph["followers"][index[author]])
        pushes += 1 + (followers if followers <= 10_000 else 0)
    seconds = time.perf_counter() - started
    return {
        "timelines_built": len(graph["users"]),
        "build_seconds": round(built, 1),
        "posts_fanned_out": len(fanned),
        "timeline_writes": pushes,
        "fanout_seconds": round(seconds, 1),
        "timeline_writes_per_s": round(pushes / seconds),
    }


def fanout_one_post(size: dict[str, Any], graph: dict[str, Any]) -> dict[str, Any]:
    """Fan-out of one new post by the author with exactly `fanout_target` followers."""
    import psycopg

    from apps.feed.ids import next_post_id
    from apps.feed.timelines import fanout
    from apps.feed.timelines.store import timeline_store

    rank = len(size["big"])
    author = graph["users"][rank]
    followers = len(graph["followers"][rank])
    store = timeline_store()
    durations, query_durations = [], []
    for rep in range(size["fanout_reps"] + 1):
        post_id = next_post_id()
        with psycopg.connect(**feed_conninfo(), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO feed_post (id, author_id, content, media_ids, hashtags, mentions, status, created_at,"
                " like_count, comment_count) VALUES (%s, %s, 'fan-out bench', '[]', '[]', '[]', 'PUBLISHED', now(),"
                " 0, 0)",
                [post_id, author],
            )
        started = time.perf_counter()
        fanout.fan_out_post(post_id=post_id, author_id=author, store=store)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        receivers = sum(len(batch) for batch in fanout.active_follower_batches(author))
        query_elapsed = time.perf_counter() - started
        if rep:  # the first is a warm-up
            durations.append(elapsed)
            query_durations.append(query_elapsed)
    return {
        "followers": followers,
        "receivers": receivers,
        "repetitions": len(durations),
        "batch_size": _setting("FEED_FANOUT_BATCH_SIZE"),
        "fan_out_ms": distribution_ms(durations),
        "follower_query_ms": distribution_ms(query_durations),
    }


def _setting(name: str) -> Any:
    from django.conf import settings

    return getattr(settings, name, None)
