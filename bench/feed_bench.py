"""Home feed benchmark (issue 4): fan-out-on-write timelines in Redis, read through GraphQL over
HTTP, beside a naive fan-out-on-read SQL query of the same page, on the same seeded graph.

    .venv/bin/python bench/feed_bench.py [--quick] [--seconds N]

Seeds a power-law follow graph straight into the feed's projections (Author with its
followers_count, FollowEdge, TimelineReader, Post) with COPY, builds every timeline empty and
fills it through the feed's own fan-out (`fanout.fan_out_post`, Redis pipelines), then measures:
home-feed reads over HTTP (gunicorn gthread with the WSGI application, 2 workers, as the feed
Deployment serves; --server asgi for uvicorn) with 32 concurrent connections (wrk when
installed, else httpx threads; --load), the naive query with
32 threads (one psycopg connection each), the in-process cost of a page, and the fan-out of one
post to 10,000 followers. Uses its own databases (bench_socialapp_*) and Redis database 15
(flushed at start and end); writes bench/results/feed.json and feed.md (feed.quick.* with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    cpu_per_request_ms,
    cpu_seconds_reference,
    cpu_snapshot,
    distribution_ms,
    ensure_databases,
    log,
    setup_django,
    text_table,
    verdict,
)

RESULTS_DIR = ROOT / "bench" / "results"
REDIS_URL = "redis://127.0.0.1:6379/15"
CONCURRENCY = 32
HOME_QUERY = (
    "{ homeFeed(first: 20) { edges { node { id content author { username displayName } "
    "likeCount commentCount likedByMe } } pageInfo { endCursor } } }"
)
NAIVE_PAGE = (
    "SELECT id, author_id, content, like_count, comment_count, created_at FROM feed_post "
    "WHERE author_id IN (SELECT followee_id FROM feed_followedge WHERE follower_id = %s) "
    "ORDER BY id DESC LIMIT 20"
)
NAIVE_AUTHORS = "SELECT user_id, username, display_name FROM feed_author WHERE user_id = ANY(%s)"

FULL = {
    "users": 30_000,
    "edges": 500_000,
    "big": [20_000, 15_000, 12_000],  # above FEED_FANOUT_MAX_FOLLOWERS (10,000): pulled at read time
    "fanout_target": 10_000,  # exactly at the threshold: still fanned out
    "posts_per_author": 6,  # every user but the measured readers posts
    "fanned_rounds": 2,
    "heavy_follows": 2_000,
    "light_follows": 10,
    "readers_per_group": 64,
    "fanout_reps": 7,
    "seconds": 15.0,
}
QUICK = {
    "users": 6_000,
    "edges": 60_000,
    "big": [5_000, 4_500, 4_000],
    "fanout_target": 3_000,
    "posts_per_author": 4,
    "fanned_rounds": 2,
    "heavy_follows": 500,
    "light_follows": 10,
    "readers_per_group": 16,
    "fanout_reps": 3,
    "seconds": 4.0,
}


def configure(database_url: str, jwt_dir: str) -> None:
    setup_django(database_url, environment={"REDIS_URL": REDIS_URL, "JWT_KEYS_DIR": jwt_dir})


def database_backend_pids() -> set[int]:
    """The PostgreSQL backends connected to the bench databases (the servers' pools; the bench's
    own connection too, idle during a load phase), for the CPU split of a phase."""
    import psycopg

    with psycopg.connect(**feed_conninfo(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE %s", [connection.info.dbname.rsplit("_", 1)[0] + "_%"]
        ).fetchall()
    return {pid for (pid,) in rows}


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


def seed(size: dict[str, Any], graph: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    import psycopg

    from apps.feed.ids import next_post_id

    users, followers = graph["users"], graph["followers"]
    now = datetime.now(UTC)
    started = time.perf_counter()
    posts: list[tuple[int, uuid.UUID, int]] = []  # (id, author, round)
    for round_ in range(size["posts_per_author"]):
        for author in range(graph["posting"]):
            posts.append((next_post_id(), users[author], round_))
    words = ["the", "a", "feed", "post", "about", "lunch", "code", "cats", "music", "rain", "travel", "news"]
    with psycopg.connect(**feed_conninfo(), autocommit=True) as conn:
        conn.execute(
            "TRUNCATE feed_post, feed_followedge, feed_author, feed_timelinereader, feed_timelineentry CASCADE"
        )
        with conn.cursor() as cur:
            with cur.copy(
                "COPY feed_author (user_id, username, display_name, followers_count, updated_at) FROM STDIN"
            ) as copy:
                for i, user in enumerate(users):
                    copy.write_row((user, f"user{i}", f"User {i}", len(followers[i]), now))
            with cur.copy("COPY feed_followedge (follower_id, followee_id, created_at) FROM STDIN") as copy:
                for author, fans in enumerate(followers):
                    for fan in fans:
                        copy.write_row((users[fan], users[author], now))
            with cur.copy("COPY feed_timelinereader (user_id, last_read_at) FROM STDIN") as copy:
                for user in users:
                    copy.write_row((user, now))
            with cur.copy(
                "COPY feed_post (id, author_id, content, media_ids, hashtags, mentions, status, created_at,"
                " like_count, comment_count) FROM STDIN"
            ) as copy:
                for post_id, author, _ in posts:
                    text = " ".join(rng.choices(words, k=16))
                    copy.write_row(
                        (post_id, author, text, "[]", "[]", "[]", "PUBLISHED", now, rng.randrange(50), rng.randrange(9))
                    )
        conn.execute("ANALYZE feed_post, feed_followedge, feed_author, feed_timelinereader")
    edges = sum(len(f) for f in followers)
    return {
        "users": len(users),
        "follow_edges": edges,
        "posts": len(posts),
        "posting_authors": graph["posting"],
        "posts_per_author": size["posts_per_author"],
        "followers_of_top_authors": [len(followers[i]) for i in range(6)],
        "median_followers": sorted(len(f) for f in followers)[len(followers) // 2],
        "seconds": round(time.perf_counter() - started, 1),
        "_posts": posts,
    }


def fill_timelines(size: dict[str, Any], graph: dict[str, Any], posts: list[tuple[int, uuid.UUID, int]]) -> dict:
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


# --- load ------------------------------------------------------------------------------------


def drive_clients(
    make_worker: Any, seconds: float, concurrency: int, rate: float | None
) -> tuple[list[float], list[str], float]:
    """`concurrency` client threads call their worker for `seconds`. Closed loop (`rate` None):
    each sends its next request when the last one is answered; only completions inside the
    window count. Open loop: the clients share a schedule of `rate` requests/s and each latency
    counts from the request's scheduled time, so a client held up by a slow answer does not
    hide the requests it should have sent meanwhile (no coordinated omission).
    Returns (latencies in seconds, errors, elapsed seconds)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    clock: dict[str, float] = {}
    # Every client is connected before the clock starts (set by the barrier's last arrival).
    barrier = threading.Barrier(concurrency + 1, action=lambda: clock.update(t0=time.perf_counter() + 0.05))
    gap = concurrency / rate if rate else 0.0  # each client's time between scheduled requests

    def client(slot: int) -> None:
        call, close = make_worker(slot)
        try:
            barrier.wait()
            end = clock["t0"] + seconds
            if (delay := clock["t0"] - time.perf_counter()) > 0:
                time.sleep(delay)
            i = 0
            while True:
                if rate:
                    due = clock["t0"] + (slot / concurrency + i) * gap
                    if due >= end:
                        break
                    if (delay := due - time.perf_counter()) > 0:
                        time.sleep(delay)
                else:
                    due = time.perf_counter()
                    if due >= end:
                        break
                try:
                    call(i)
                except Exception as error:  # counted, reported
                    errors.append(repr(error)[:200])
                done = time.perf_counter()
                if rate or done <= end:
                    latencies[slot].append(done - due)
                i += 1
        finally:
            close()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()
    return [value for values in latencies for value in values], errors, time.perf_counter() - clock["t0"]


def run_load(make_worker: Any, seconds: float, concurrency: int = CONCURRENCY) -> dict[str, Any]:
    """Closed loop at `concurrency` clients: throughput and latency."""
    latencies, errors, _ = drive_clients(make_worker, seconds, concurrency, rate=None)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "throughput_per_s": round(len(latencies) / seconds, 1),
        "latency_ms": distribution_ms(latencies),
    }


def run_paced(make_worker: Any, rate: float, seconds: float, concurrency: int = CONCURRENCY) -> dict[str, Any]:
    """Open loop: `rate` requests/s shared by `concurrency` clients, latency from the schedule."""
    latencies, errors, elapsed = drive_clients(make_worker, seconds, concurrency, rate=rate)
    return {
        "offered_per_s": round(rate, 1),
        "requests": len(latencies),
        "achieved_per_s": round(len(latencies) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "latency_ms": distribution_ms(latencies),
    }


# The values (tokens, body, method, path) are prepended as Lua assignments by run_wrk.
WRK_SCRIPT = """
local threads = {}
local sent = 0
bad = 0

function setup(thread)
  table.insert(threads, thread)
end

request = function()
  sent = sent + 1
  local headers = {}
  if body then headers["Content-Type"] = "application/json" end
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(sent % #tokens) + 1] end
  return wrk.format(method, path, headers, body)
end

response = function(status, headers, response_body)
  if status ~= 200 or string.find(response_body, '"errors"', 1, true) then bad = bad + 1 end
end

done = function(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.4f, "bad_responses": %d, "socket_errors": %d,'
    .. ' "min": %.3f, "p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f}\\n',
    summary.requests, summary.duration / 1e6, failed, e.connect + e.read + e.write + e.timeout,
    latency.min / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""


def lua_string(value: str) -> str:
    """A Lua long-bracket literal holding `value` as is (JSON bodies and tokens have no "]==]")."""
    assert "]==]" not in value
    return f"[==[{value}]==]"


def run_wrk(
    url: str, path: str, seconds: float, *, tokens: list[str], body: bytes | None, concurrency: int = CONCURRENCY
) -> dict[str, Any]:
    """Closed loop with wrk (C, 2 threads): `concurrency` connections, each sending its next
    request when the last is answered. A response that is not a 200 or carries GraphQL errors
    counts as an error. Latency percentiles are wrk's, over every request of the run."""
    script = (
        f"tokens = {{{', '.join(lua_string(token) for token in tokens)}}}\n"
        f"body = {lua_string(body.decode()) if body is not None else 'nil'}\n"
        f"method = {lua_string('POST' if body is not None else 'GET')}\n"
        f"path = {lua_string(path)}\n" + WRK_SCRIPT
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        completed = subprocess.run(
            # A request slower than wrk's default 2 s timeout would drop out of the percentiles.
            ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds:.0f}s", "--timeout", "30s", "-s", file.name, url],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(file.name)
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("WRK_JSON ")]
    measured = json.loads(line.removeprefix("WRK_JSON "))
    return {
        "requests": measured["requests"],
        "errors": measured["bad_responses"] + measured["socket_errors"],
        "first_errors": [],
        "throughput_per_s": round(measured["requests"] / measured["seconds"], 1),
        "latency_ms": {key: measured[key] for key in ("min", "p50", "p90", "p99", "max", "mean")}
        | {"count": measured["requests"]},
    }


def http_worker_factory(url: str, tokens: list[str]) -> Any:
    import httpx

    body = json.dumps({"query": HOME_QUERY}).encode()

    def make(slot: int) -> tuple[Any, Any]:
        client = httpx.Client(base_url=url, timeout=60)
        headers = [{"Authorization": f"Bearer {token}", "Content-Type": "application/json"} for token in tokens]

        def call(i: int) -> None:
            response = client.post("/graphql/feed/", content=body, headers=headers[(slot + i * 7) % len(headers)])
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(f"{response.status_code} {response.content[:150]!r}")

        return call, client.close

    return make


def plain_http_factory(url: str, path: str, body: bytes | None) -> Any:
    """The HTTP stack's ceiling on this machine: the same clients on a request with no feed work."""
    import httpx

    def make(slot: int) -> tuple[Any, Any]:
        client = httpx.Client(base_url=url, timeout=60)

        def call(i: int) -> None:
            if body is None:
                response = client.get(path)
            else:
                response = client.post(path, content=body, headers={"Content-Type": "application/json"})
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code} {response.content[:150]!r}")

        return call, client.close

    return make


def naive_worker_factory(readers: list[uuid.UUID]) -> Any:
    import psycopg

    def make(slot: int) -> tuple[Any, Any]:
        conn = psycopg.connect(**feed_conninfo(), autocommit=True)

        def call(i: int) -> None:
            reader = readers[(slot + i * 7) % len(readers)]
            rows = conn.execute(NAIVE_PAGE, [reader]).fetchall()
            authors = conn.execute(NAIVE_AUTHORS, [list({row[1] for row in rows})]).fetchall()
            if len(rows) < 20 or not authors:
                raise RuntimeError(f"short page: {len(rows)} posts")

        return call, conn.close

    return make


def naive_ids(reader: uuid.UUID) -> list[int]:
    import psycopg

    with psycopg.connect(**feed_conninfo()) as conn:
        return [row[0] for row in conn.execute(NAIVE_PAGE, [reader]).fetchall()]


def explain(reader: uuid.UUID) -> list[str]:
    import psycopg

    with psycopg.connect(**feed_conninfo()) as conn:
        return [row[0] for row in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + NAIVE_PAGE, [reader]).fetchall()]


def in_process(readers: list[uuid.UUID], usernames: list[str], tokens: list[str], rounds: int) -> dict[str, Any]:
    """One page without HTTP: the selector + both dataloader queries; and the whole GraphQL
    request through Django's test client (graphene included, no server, no socket)."""
    from django.test import Client

    from apps.feed import selectors

    def page(reader: uuid.UUID) -> None:
        result = selectors.home_feed_page(user_id=reader, first=20)
        selectors.authors_by_ids(post.author_id for post in result.posts)
        selectors.liked_among(user_id=reader, post_ids=[post.id for post in result.posts])

    client = Client()
    body = json.dumps({"query": HOME_QUERY})
    for reader in readers:
        page(reader)
    selector_times, graphql_times = [], []
    for _ in range(rounds):
        for reader, token in zip(readers, tokens, strict=True):
            started = time.perf_counter()
            page(reader)
            selector_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = client.post(
                "/graphql/feed/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            graphql_times.append(time.perf_counter() - started)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(response.content[:300])
    return {
        "pages": len(selector_times),
        "selector_and_loaders_ms": distribution_ms(selector_times),
        "graphql_in_process_ms": distribution_ms(graphql_times),
    }


SERVER_APPS = {
    # As the feed Deployment serves (ADR 0011): the WSGI application in gunicorn's threaded worker.
    "wsgi": {"timeline": "socialapp.wsgi:application", "naive": "bench.naive_home:wsgi_application"},
    "asgi": {"timeline": "socialapp.asgi:application", "naive": "bench.naive_home:asgi_application"},
}


def server_command(server: str, app: str, port: int, workers: int) -> list[str]:
    if server == "wsgi":
        return [
            sys.executable, "-m", "gunicorn", app, "--workers", str(workers), "-k", "gthread", "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
            # wrk opens its 32 keep-alive connections at once and keeps them: without a socket
            # per worker, whichever worker accepts first may take most of them for the whole
            # run (a Deployment pod runs one worker, so this only concerns the bench).
            "--reuse-port",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def start_server(
    database_url: str, jwt_dir: str, workers: int, log_path: Path, *, server: str, kind: str = "timeline"
) -> tuple[subprocess.Popen, str]:
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialapp.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key",
        "JWT_KEYS_DIR": jwt_dir,  # provisioned by setup_django
        "JWT_GENERATE_KEYS": "false",
        "EVENTS_START_SWEEPER": "false",
        "RATELIMIT_ENABLE": "false",
        # Media in this process, as the bench always measured it (its database is at hand).
        "MEDIA_PORT": "inprocess",
        "LOG_LEVEL": "WARNING",
        # As the API Deployments run (ADR 0006): a connection pool per process.
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_POOL": "true",
        "SOCIALAPP_SERVICES": "feed",
    }
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            server_command(server, SERVER_APPS[server][kind], port, workers),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"server did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


def same_pages(url: str, readers: list[uuid.UUID], tokens: list[str]) -> str:
    """Read each reader's first page once; how many equal the naive query's page (ids, in order)."""
    import httpx

    same = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for reader, token in zip(readers, tokens, strict=True):
            response = client.post(
                "/graphql/feed/", json={"query": HOME_QUERY}, headers={"Authorization": f"Bearer {token}"}
            )
            edges = response.json()["data"]["homeFeed"]["edges"]
            same += [int(e["node"]["id"]) for e in edges] == naive_ids(reader)
    return f"{same}/{len(readers)}"


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--seconds", type=float, default=None, help="each load phase (default 15, quick 4)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--server",
        choices=sorted(SERVER_APPS),
        default="wsgi",
        help="wsgi: gunicorn gthread, as the feed Deployment (default); asgi: uvicorn",
    )
    parser.add_argument(
        "--load",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="closed-loop load generator (default wrk when installed: apt-get install wrk)",
    )
    args = parser.parse_args()
    size = dict(QUICK if args.quick else FULL)
    seconds = args.seconds or size["seconds"]
    load_start = [round(x, 2) for x in os.getloadavg()]
    cpu_reference_start = cpu_seconds_reference()
    _, pg_version = ensure_databases(args.database_url)
    jwt_dir = tempfile.mkdtemp(prefix="bench-jwt-")
    configure(args.database_url, jwt_dir)
    import redis

    from tests.auth_helpers import access_token_for

    redis_client = redis.Redis.from_url(REDIS_URL)
    redis_client.flushdb()
    rng = random.Random(4)

    log(f"building the graph ({size['users']:,} users, ~{size['edges']:,} edges)")
    graph = build_graph(size, rng)
    log("seeding the feed database (COPY)")
    data = seed(size, graph, rng)
    posts = data.pop("_posts")
    log(f"seeded {data}")
    log("building timelines and fanning out the newest posts through fanout.fan_out_post")
    fill = fill_timelines(size, graph, posts)
    log(f"fan-out fill: {fill}")
    log(f"fan-out of one post to {size['fanout_target']:,} followers")
    one = fanout_one_post(size, graph)
    log(f"{one}")

    users = graph["users"]
    groups = {
        f"{size['light_follows']} follows": graph["light"],
        f"{size['heavy_follows']} follows": graph["heavy"],
    }
    tokens = {name: [access_token_for(users[i], f"user{i}") for i in idx] for name, idx in groups.items()}
    readers = {name: [users[i] for i in idx] for name, idx in groups.items()}

    log("in-process page cost (no HTTP)")
    inproc = {
        name: in_process(readers[name], [f"user{i}" for i in groups[name]], tokens[name], 3 if args.quick else 5)
        for name in groups
    }

    plans = {name: explain(readers[name][0]) for name in groups}
    log_path = Path(tempfile.mkdtemp(prefix="bench-feed-")) / "server.log"
    server, url = start_server(args.database_url, jwt_dir, args.workers, log_path, server=args.server)

    def closed_loop(
        base_url: str, path: str, seconds: float, tokens: list[str], body: bytes | None, *, server_pid: int
    ) -> dict[str, Any]:
        """One closed-loop phase, with the CPU each part used per request (server workers,
        PostgreSQL, the whole machine: what bounds the throughput on these 2 cores)."""
        backends = database_backend_pids()
        before = cpu_snapshot(server_pid, backends)
        if args.load == "wrk":
            result = run_wrk(base_url, path, seconds, tokens=tokens, body=body)
        elif tokens:
            result = run_load(http_worker_factory(base_url, tokens), seconds)
        else:
            result = run_load(plain_http_factory(base_url, path, body), seconds)
        after = cpu_snapshot(server_pid, backends | database_backend_pids())
        return result | {"cpu_ms_per_request": cpu_per_request_ms(before, after, result["requests"])}

    home_body = json.dumps({"query": HOME_QUERY}).encode()
    http: dict[str, Any] = {}
    naive: dict[str, Any] = {}
    agreement: dict[str, str] = {}
    ceiling: dict[str, Any] = {}
    naive_http: dict[str, Any] = {}
    naive_agreement: dict[str, str] = {}
    paced: dict[str, Any] = {}
    naive_log_path = log_path.with_name("server-naive.log")
    try:
        # Warm-up (every reader once: post cache, connections, imports), checking each page.
        agreement = {name: same_pages(url, readers[name], tokens[name]) for name in groups}
        # The servers' threads, pools and interpreter warm up before anything is counted.
        closed_loop(url, "/graphql/feed/", 3, tokens[next(iter(groups))], home_body, server_pid=server.pid)
        for name in groups:
            log(f"HTTP homeFeed, {name}, {CONCURRENCY} clients, {seconds:.0f} s")
            http[name] = closed_loop(url, "/graphql/feed/", seconds, tokens[name], home_body, server_pid=server.pid)
            log(f"  {http[name]['throughput_per_s']} req/s, {http[name]['latency_ms']}")
            log(f"naive SQL, {name}, {CONCURRENCY} threads, {seconds:.0f} s")
            naive[name] = run_load(naive_worker_factory(readers[name]), seconds)
            log(f"  {naive[name]['throughput_per_s']} req/s, {naive[name]['latency_ms']}")
        load_mid = [round(x, 2) for x in os.getloadavg()]
        heavy_name = list(groups)[1]
        paced_rate = max(http[heavy_name]["throughput_per_s"] / 2, 1.0)
        log(f"HTTP homeFeed, {heavy_name}, paced at {paced_rate:.0f} req/s (half of capacity), {CONCURRENCY} clients")
        paced = run_paced(http_worker_factory(url, tokens[heavy_name]), paced_rate, seconds)
        log(f"  {paced['achieved_per_s']} req/s, {paced['latency_ms']}")
        naive_server, naive_url = start_server(
            args.database_url, jwt_dir, args.workers, naive_log_path, server=args.server, kind="naive"
        )
        try:
            naive_agreement = {name: same_pages(naive_url, readers[name], tokens[name]) for name in groups}
            closed_loop(
                naive_url, "/graphql/feed/", 3, tokens[next(iter(groups))], home_body, server_pid=naive_server.pid
            )
            for name in groups:
                log(f"HTTP homeFeed served fan-out-on-read, {name}, {CONCURRENCY} clients, {seconds:.0f} s")
                naive_http[name] = closed_loop(
                    naive_url, "/graphql/feed/", seconds, tokens[name], home_body, server_pid=naive_server.pid
                )
                log(f"  {naive_http[name]['throughput_per_s']} req/s, {naive_http[name]['latency_ms']}")
        finally:
            stop_server(naive_server)
        short = max(seconds / 3, 3.0)
        log(f"HTTP ceiling: /healthz and an anonymous trivial GraphQL query, {CONCURRENCY} clients, {short:.0f} s")
        ceiling["healthz"] = closed_loop(url, "/healthz", short, [], None, server_pid=server.pid)
        trivial = json.dumps({"query": "{ feedService { name } }"}).encode()
        ceiling["trivial_graphql"] = closed_loop(url, "/graphql/feed/", short, [], trivial, server_pid=server.pid)
        log(
            f"  healthz {ceiling['healthz']['throughput_per_s']} req/s, trivial GraphQL "
            f"{ceiling['trivial_graphql']['throughput_per_s']} req/s"
        )
    finally:
        stop_server(server)
    server_log = log_path.read_text(errors="replace")[-2000:]
    redis_client.flushdb()

    light, heavy = list(groups)
    h_light, h_heavy = http[light]["throughput_per_s"], http[heavy]["throughput_per_s"]
    n_heavy = naive[heavy]["throughput_per_s"]
    ratio = h_heavy / n_heavy if n_heavy else float("inf")
    spread = abs(h_light - h_heavy) / max(h_light, h_heavy)
    p99s = {name: http[name]["latency_ms"]["p99"] for name in groups}
    fan = one["fan_out_ms"]
    checks = {
        "throughput_5x_naive": ratio >= 5,
        "p99_under_50ms": max(p99s.values()) < 50,
        "flat_within_15pct": spread <= 0.15,
        "fanout_under_1s": fan["max"] < 1000,
    }
    clients = f"{CONCURRENCY} connections ({'wrk' if args.load == 'wrk' else 'httpx threads'})"
    server_label = (
        f"gunicorn gthread x 4, {args.workers} workers (WSGI)"
        if args.server == "wsgi"
        else f"{args.workers} uvicorn workers (ASGI)"
    )
    rows = []
    for name in groups:
        rows.append(
            (
                f"homeFeed over HTTP, {name} (req/s)",
                f"{http[name]['throughput_per_s']:.0f}",
                f"naive SQL {naive[name]['throughput_per_s']:.0f} req/s "
                f"(p50 {naive[name]['latency_ms']['p50']:.1f} / p99 {naive[name]['latency_ms']['p99']:.1f} ms)",
                ">= 5x naive" if name == heavy else "-",
                f"{verdict(checks['throughput_5x_naive'])} ({ratio:.2f}x)" if name == heavy else "-",
            )
        )
    for name in groups:
        lat = http[name]["latency_ms"]
        rows.append(
            (
                f"homeFeed over HTTP, {name}: p50 / p99 (ms)",
                f"{lat['p50']:.1f} / {lat['p99']:.1f}",
                f"{clients}, {server_label}, {http[name]['errors']} errors",
                "p99 < 50",
                verdict(lat["p99"] < 50),
            )
        )
    for name in groups:
        served = naive_http[name]["throughput_per_s"]
        rows.append(
            (
                f"  same page served fan-out-on-read over HTTP, {name} (req/s)",
                f"{served:.0f}",
                f"same server stack, naive query for the ids; p50 {naive_http[name]['latency_ms']['p50']:.1f} / "
                f"p99 {naive_http[name]['latency_ms']['p99']:.1f} ms",
                "(like for like)",
                f"homeFeed {http[name]['throughput_per_s'] / served:.2f}x" if served else "-",
            )
        )
    for name in groups:
        own, read = http[name]["cpu_ms_per_request"], naive_http[name]["cpu_ms_per_request"]
        rows.append(
            (
                f"  CPU per request, {name}: server workers / PostgreSQL / whole machine (ms)",
                f"{own['workers']:.2f} / {own['postgres']:.2f} / {own['machine']:.2f}",
                f"fan-out-on-read server: {read['workers']:.2f} / {read['postgres']:.2f} / {read['machine']:.2f};"
                " PostgreSQL: the servers' backends; the machine: everything, the load generator and Redis too",
                "(info)",
                "-",
            )
        )
    cores = os.cpu_count() or 1
    # The server side's own CPU (workers + their PostgreSQL backends) bounds the throughput even
    # with the load generator, Redis and everything else on other cores: an upper bound.
    server_ms = max(cpu["workers"] + cpu["postgres"] for cpu in (http[name]["cpu_ms_per_request"] for name in groups))
    rows.append(
        (
            f"  what p99 < 50 ms at {CONCURRENCY} clients needs (req/s)",
            f"> {CONCURRENCY / 0.05:.0f}",
            f"closed loop: mean latency = {CONCURRENCY} / throughput (Little's law), and p99 >= mean; homeFeed's CPU"
            f" ceiling here, counting only workers + PostgreSQL: {cores} cores / {server_ms:.2f} ms ="
            f" {cores * 1000 / server_ms:.0f} req/s",
            "(info)",
            "-",
        )
    )
    rows.append(
        (
            "  what 5x naive needs (req/s)",
            f">= {5 * n_heavy:.0f}",
            f"GET /healthz (no database, no GraphQL) on the same server: {ceiling['healthz']['throughput_per_s']:.0f}"
            " req/s",
            "(info)",
            "-",
        )
    )
    rows.append(
        (
            f"  homeFeed over HTTP, {heavy}, paced at {paced['offered_per_s']:.0f} req/s: p50 / p99 (ms)",
            f"{paced['latency_ms']['p50']:.1f} / {paced['latency_ms']['p99']:.1f}",
            f"open loop, half the closed-loop capacity, {CONCURRENCY} clients, {paced['achieved_per_s']:.0f} req/s "
            f"achieved, {paced['errors']} errors",
            "(info)",
            "-",
        )
    )
    rows.append(
        (
            f"homeFeed throughput, {light} vs {heavy}",
            f"{spread:.1%} apart",
            f"{h_light:.0f} vs {h_heavy:.0f} req/s",
            "<= 15%",
            verdict(checks["flat_within_15pct"]),
        )
    )
    rows.append(
        (
            f"fan-out of 1 post to {one['receivers']:,} followers: p50 / max (ms)",
            f"{fan['p50']:.0f} / {fan['max']:.0f}",
            f"{one['repetitions']} reps, batches of {one['batch_size']}; follower query p50 "
            f"{one['follower_query_ms']['p50']:.0f} ms",
            "< 1000",
            verdict(checks["fanout_under_1s"]),
        )
    )
    for name in groups:
        rows.append(
            (
                f"  in-process page, {name}: selector+loaders / whole GraphQL p50 (ms)",
                f"{inproc[name]['selector_and_loaders_ms']['p50']:.2f}"
                f" / {inproc[name]['graphql_in_process_ms']['p50']:.2f}",
                "one thread, no HTTP (supporting figure)",
                "-",
                "-",
            )
        )
    for key, label in (("healthz", "GET /healthz"), ("trivial_graphql", "anonymous { feedService { name } }")):
        rows.append(
            (
                f"  HTTP ceiling, {label} (req/s)",
                f"{ceiling[key]['throughput_per_s']:.0f}",
                f"same {clients} and server; p50 / p99 {ceiling[key]['latency_ms']['p50']:.1f} / "
                f"{ceiling[key]['latency_ms']['p99']:.1f} ms",
                "-",
                "-",
            )
        )
    rows.append(
        (
            "  timeline fill through fan_out_post (writes/s)",
            f"{fill['timeline_writes_per_s']:,}",
            f"{fill['posts_fanned_out']:,} posts, {fill['timeline_writes']:,} writes in {fill['fanout_seconds']} s",
            "-",
            "-",
        )
    )
    table = text_table(rows)
    print(table)
    results = {
        "mode": "quick" if args.quick else "full",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "cpu_reference_seconds": [cpu_reference_start, cpu_seconds_reference()],
            "load_average_start": load_start,
            "load_average_during_load": load_mid,
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "sizes": {**size, **data},
        "server": server_label,
        "load_generator": clients,
        "timeline_fill": fill,
        "fanout_one_post": one,
        "http_home_feed": http,
        "naive_sql": naive,
        "naive_over_http": naive_http,
        "paced_heavy": paced,
        "in_process": inproc,
        "http_ceiling": ceiling,
        "naive_plans": plans,
        "homefeed_equals_naive_page": agreement,
        "naive_server_equals_naive_page": naive_agreement,
        "checks": checks,
        "throughput_ratio_heavy": round(ratio, 2),
        "throughput_spread": round(spread, 4),
        "server_log_tail": server_log,
    }
    suffix = ".quick" if args.quick else ""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"feed{suffix}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    header = "| measure | value | baseline / context | target | result |\n|---|---|---|---|---|\n"
    body = "".join(f"| {' | '.join(row)} |\n" for row in rows)
    (RESULTS_DIR / f"feed{suffix}.md").write_text(
        f"# Home feed benchmark ({results['mode']} run, {results['at']})\n\n"
        "Produced by `bench/feed_bench.py`.\n\n"
        + header
        + body
        + f"\nData: {json.dumps(results['sizes'])}\n\n"
        + "Method and reductions: Author/FollowEdge/TimelineReader/Post rows are written with COPY (followers_count"
        " = the real in-degree); every timeline is built empty, then the newest "
        f"{size['fanned_rounds']} of each author's {size['posts_per_author']} posts go through"
        " `fanout.fan_out_post` (older posts are only in the database: page 1 is the same, checked below). The"
        f" {len(size['big'])} authors above FEED_FANOUT_MAX_FOLLOWERS are pulled at read time; every measured reader"
        " follows at least one of them. The naive baseline is raw psycopg (page query + authors query), the home feed"
        f" is the whole GraphQL request over HTTP ({server_label}, SOCIALAPP_SERVICES=feed, DATABASE_POOL=true"
        " as the feed Deployment runs: ADR 0011, a connection pool per process); the closed-loop load generator"
        f" ({clients}) shares the machine's 2 cores with the server, PostgreSQL and Redis.\n\n"
        + f"homeFeed page equal to the naive query's page (ids, in order): {agreement}; the fan-out-on-read server's"
        f" page equal to it: {naive_agreement}\n\n"
        + "Like for like: `bench/naive_home.py` serves the same GraphQL homeFeed (same schema, authentication,"
        " hydration) with the page's ids from the naive query instead of the timeline, under the same server"
        " settings. Paced: an open-loop schedule (httpx threads) at half the measured capacity, latency counted from"
        " each request's scheduled time.\n\n"
        + "".join(
            f"Naive query plan, a reader with {name} (EXPLAIN ANALYZE):\n\n```\n" + "\n".join(plans[name]) + "\n```\n\n"
            for name in groups
        )
        + f"Machine: {results['machine']}\n"
    )
    return 0 if all(checks.values()) else 2


if __name__ == "__main__":
    sys.exit(main())
