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
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import feed_report  # noqa: E402
from bench.common import DEFAULT_DATABASE_URL, cpu_seconds_reference, ensure_databases, log, setup_django  # noqa: E402
from bench.feed_load import (  # noqa: E402
    CONCURRENCY,
    HOME_QUERY,
    REDIS_URL,
    SERVER_APPS,
    closed_loop,
    explain,
    http_worker_factory,
    in_process,
    naive_worker_factory,
    run_load,
    run_paced,
    same_pages,
    start_server,
    stop_server,
)
from bench.seeding import build_graph, fanout_one_post, fill_timelines, seed  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
FEED_PATH = "/graphql/feed/"


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


def parse_args() -> argparse.Namespace:
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
    return parser.parse_args()


class Run:
    """One run: its arguments and everything measured so far (`m`, read by feed_report)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.size = dict(QUICK if args.quick else FULL)
        self.seconds: float = args.seconds or self.size["seconds"]
        self.jwt_dir = ""
        self.log_path = Path(tempfile.mkdtemp(prefix="bench-feed-")) / "server.log"
        self.groups: dict[str, list[int]] = {}
        self.readers: dict[str, list[Any]] = {}
        self.tokens: dict[str, list[str]] = {}
        self.m: dict[str, Any] = {"size": self.size}

    def closed_loop(self, url: str, seconds: float, tokens: list[str], body: bytes | None, *, pid: int) -> dict:
        return closed_loop(self.args.load, url, FEED_PATH, seconds, tokens=tokens, body=body, server_pid=pid)


HOME_BODY = json.dumps({"query": HOME_QUERY}).encode()


def prepare(run: Run) -> Any:
    """Databases migrated, Django set up against them, Redis database 15 empty."""
    import redis

    load_start = [round(x, 2) for x in os.getloadavg()]
    cpu_reference_start = cpu_seconds_reference()
    _, pg_version = ensure_databases(run.args.database_url)
    run.jwt_dir = tempfile.mkdtemp(prefix="bench-jwt-")
    setup_django(run.args.database_url, environment={"REDIS_URL": REDIS_URL, "JWT_KEYS_DIR": run.jwt_dir})
    run.m["machine"] = {"pg_version": pg_version, "cpu_reference_start": cpu_reference_start, "load_start": load_start}
    redis_client = redis.Redis.from_url(REDIS_URL)
    redis_client.flushdb()
    return redis_client


def seed_phase(run: Run) -> None:
    """The graph, the feed's rows, the timelines filled by fan-out, the fan-out of one post, and
    the reader groups with their tokens."""
    from tests.auth_helpers import access_token_for

    size, rng = run.size, random.Random(4)
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
    run.m |= {"data": data, "fill": fill, "one": one}
    users = graph["users"]
    run.groups = {
        f"{size['light_follows']} follows": graph["light"],
        f"{size['heavy_follows']} follows": graph["heavy"],
    }
    run.tokens = {name: [access_token_for(users[i], f"user{i}") for i in idx] for name, idx in run.groups.items()}
    run.readers = {name: [users[i] for i in idx] for name, idx in run.groups.items()}
    run.m["groups"] = list(run.groups)


def in_process_phase(run: Run) -> None:
    """A page's cost without HTTP, and the naive query's plan."""
    log("in-process page cost (no HTTP)")
    rounds = 3 if run.args.quick else 5
    run.m["inproc"] = {
        name: in_process(run.readers[name], [f"user{i}" for i in idx], run.tokens[name], rounds)
        for name, idx in run.groups.items()
    }
    run.m["plans"] = {name: explain(run.readers[name][0]) for name in run.groups}


def timeline_phase(run: Run, url: str, pid: int) -> None:
    """homeFeed from the timelines and the naive SQL, closed loop per group, then the heavy group
    paced at half its capacity."""
    http: dict[str, Any] = {}
    naive: dict[str, Any] = {}
    # Warm-up (every reader once: post cache, connections, imports), checking each page.
    run.m["agreement"] = {name: same_pages(url, run.readers[name], run.tokens[name]) for name in run.groups}
    # The servers' threads, pools and interpreter warm up before anything is counted.
    run.closed_loop(url, 3, run.tokens[next(iter(run.groups))], HOME_BODY, pid=pid)
    for name in run.groups:
        log(f"HTTP homeFeed, {name}, {CONCURRENCY} clients, {run.seconds:.0f} s")
        http[name] = run.closed_loop(url, run.seconds, run.tokens[name], HOME_BODY, pid=pid)
        log(f"  {http[name]['throughput_per_s']} req/s, {http[name]['latency_ms']}")
        log(f"naive SQL, {name}, {CONCURRENCY} threads, {run.seconds:.0f} s")
        naive[name] = run_load(naive_worker_factory(run.readers[name]), run.seconds)
        log(f"  {naive[name]['throughput_per_s']} req/s, {naive[name]['latency_ms']}")
    run.m |= {"http": http, "naive": naive, "load_mid": [round(x, 2) for x in os.getloadavg()]}
    heavy_name = list(run.groups)[1]
    paced_rate = max(http[heavy_name]["throughput_per_s"] / 2, 1.0)
    log(f"HTTP homeFeed, {heavy_name}, paced at {paced_rate:.0f} req/s (half of capacity), {CONCURRENCY} clients")
    paced = run_paced(http_worker_factory(url, run.tokens[heavy_name]), paced_rate, run.seconds)
    log(f"  {paced['achieved_per_s']} req/s, {paced['latency_ms']}")
    run.m["paced"] = paced


def naive_server_phase(run: Run) -> None:
    """The same page served fan-out-on-read by its own server (bench/naive_home.py)."""
    args = run.args
    naive_log_path = run.log_path.with_name("server-naive.log")
    naive_server, naive_url = start_server(
        args.database_url, run.jwt_dir, args.workers, naive_log_path, server=args.server, kind="naive"
    )
    naive_http: dict[str, Any] = {}
    try:
        run.m["naive_agreement"] = {
            name: same_pages(naive_url, run.readers[name], run.tokens[name]) for name in run.groups
        }
        run.closed_loop(naive_url, 3, run.tokens[next(iter(run.groups))], HOME_BODY, pid=naive_server.pid)
        for name in run.groups:
            log(f"HTTP homeFeed served fan-out-on-read, {name}, {CONCURRENCY} clients, {run.seconds:.0f} s")
            naive_http[name] = run.closed_loop(
                naive_url, run.seconds, run.tokens[name], HOME_BODY, pid=naive_server.pid
            )
            log(f"  {naive_http[name]['throughput_per_s']} req/s, {naive_http[name]['latency_ms']}")
    finally:
        stop_server(naive_server)
    run.m["naive_http"] = naive_http


def ceiling_phase(run: Run, url: str, pid: int) -> None:
    """The HTTP stack's ceiling on this machine: /healthz and a trivial anonymous query."""
    short = max(run.seconds / 3, 3.0)
    log(f"HTTP ceiling: /healthz and an anonymous trivial GraphQL query, {CONCURRENCY} clients, {short:.0f} s")
    ceiling = {"healthz": closed_loop(run.args.load, url, "/healthz", short, tokens=[], body=None, server_pid=pid)}
    trivial = json.dumps({"query": "{ feedService { name } }"}).encode()
    ceiling["trivial_graphql"] = run.closed_loop(url, short, [], trivial, pid=pid)
    log(
        f"  healthz {ceiling['healthz']['throughput_per_s']} req/s, trivial GraphQL "
        f"{ceiling['trivial_graphql']['throughput_per_s']} req/s"
    )
    run.m["ceiling"] = ceiling


def http_phases(run: Run) -> None:
    """Every phase against the timeline server, which stays up from the first to the last."""
    args = run.args
    server, url = start_server(args.database_url, run.jwt_dir, args.workers, run.log_path, server=args.server)
    try:
        timeline_phase(run, url, server.pid)
        naive_server_phase(run)
        ceiling_phase(run, url, server.pid)
    finally:
        stop_server(server)
    run.m["server_log"] = run.log_path.read_text(errors="replace")[-2000:]


def labels(run: Run) -> None:
    args = run.args
    run.m["clients"] = f"{CONCURRENCY} connections ({'wrk' if args.load == 'wrk' else 'httpx threads'})"
    run.m["server_label"] = (
        f"gunicorn gthread x 4, {args.workers} workers (WSGI)"
        if args.server == "wsgi"
        else f"{args.workers} uvicorn workers (ASGI)"
    )


def main() -> int:
    run = Run(parse_args())
    redis_client = prepare(run)
    seed_phase(run)
    in_process_phase(run)
    http_phases(run)
    redis_client.flushdb()
    labels(run)
    passed = feed_report.write(run.m, RESULTS_DIR, quick=run.args.quick)
    return 0 if passed else 2


if __name__ == "__main__":
    sys.exit(main())
