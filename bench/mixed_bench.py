"""Mixed social-network workload (issue 16), in the manner of DeathStarBench's social network:
60% home feed, 30% user timeline, 10% compose, on a graph of socfb-Reed98's shape, against the
single process and against the five-service stack on the same machine in the same run.

    .venv/bin/python bench/mixed_bench.py                 # the three layouts (~15 min)
    .venv/bin/python bench/mixed_bench.py --quick         # fewer, shorter steps
    .venv/bin/python bench/mixed_bench.py --layouts single

The graph: 962 users and 18,812 pairs (socfb-Reed98's counts), made by preferential attachment
(a heavy-tailed degree, as a college friendship graph has), each pair following both ways as a
friendship does. It is seeded once through the services themselves (registration, follows, two
posts a user, in-process events, so every service's projections and every home timeline are
built as in use) into databases of its own (`bench_mixed_<alias>`) and Redis database 13; each
layout then runs on that same data: the single process first (one ASGI process serving every
service, events in process), then the stack (`manage.py runstack`'s layout: five servers, the
relay, the consumers, a gateway; events through Kafka).

Load: an open loop (latency counted from each request's scheduled time, so a slow answer does
not hide the requests that should have been sent meanwhile) at increasing offered rates, the
three operations drawn at random for random users. Each step reports the achieved throughput,
p50 and p99 and errors; a layout's ramp ends when it falls behind (achieved < 90% of offered,
or p99 over 2 s). Writes bench/results/mixed.json, mixed.md and mixed.png (latency against
throughput, both layouts), and the cost of the split: single-process over stack capacity, and
the p50 ratio at the rates both sustained.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/

import httpx  # noqa: E402

from bench.common import cpu_seconds_reference, ensure_databases, log, machine_facts, setup_django  # noqa: E402
from bench.feed_load import run_paced  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get("BENCH_MIXED_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_mixed")
REDIS_URL = "redis://127.0.0.1:6379/13"
USERS = 962
PAIRS = 18_812
POSTS_PER_USER = 2
MIX = (("home_feed", 0.6), ("user_timeline", 0.3), ("compose", 0.1))
FULL_RATES = [10, 20, 40, 60, 80, 120, 160, 240, 320, 480]
QUICK_RATES = [10, 30, 60]
CLIENTS = 64
MAX_P99_MS = 2000.0  # a ramp stops past this p99 (or when it falls behind)
SUSTAINED_P99_MS = 500.0  # a step counts as sustained below it: a saturated step can still keep up

HOME_FEED = (
    "query HomeFeed { homeFeed(first: 10) { edges { node { id content createdAt "
    "author { username displayName } likeCount commentCount likedByMe } } pageInfo { endCursor } } }"
)
USER_TIMELINE = (
    "query UserPosts($username: String!) { userPosts(username: $username, first: 10) { edges { node "
    "{ id content createdAt likeCount commentCount } } pageInfo { endCursor } } }"
)
COMPOSE = (
    "mutation Compose($content: String!) { createPost(content: $content) { post { id } errors { code message } } }"
)
WORDS = ["lunch", "exam", "library", "party", "rain", "music", "game", "coffee", "essay", "trip", "news", "code"]


# --- the graph -------------------------------------------------------------------------------


def friendship_pairs(users: int, pairs: int, rng: random.Random) -> list[tuple[int, int]]:
    """Preferential attachment: each newcomer befriends `m` existing users chosen in proportion
    to their degree; then trimmed at random to exactly `pairs`."""
    m = -(-pairs // users)  # ceil: enough pairs before the trim
    edges: set[tuple[int, int]] = set()
    ends: list[int] = list(range(m))  # each user appears once per friendship it has
    for newcomer in range(m, users):
        chosen: set[int] = set()
        while len(chosen) < m:
            chosen.add(rng.choice(ends))
        for friend in chosen:
            edges.add((friend, newcomer))
            ends += [friend, newcomer]
    ordered = sorted(edges)
    rng.shuffle(ordered)
    return sorted(ordered[:pairs])


# --- seeding (in process, through the services) ------------------------------------------------


def degree_stats(pairs: list[tuple[int, int]]) -> dict[str, int]:
    degree = [0] * USERS
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    ordered = sorted(degree)
    return {"degree_min": ordered[0], "degree_median": ordered[len(ordered) // 2], "degree_max": ordered[-1]}


@dataclass
class Population:
    ids: list[uuid.UUID]
    usernames: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


def seed(pairs: list[tuple[int, int]], rng: random.Random) -> Population:
    """Registration, follows and posts through the services, events delivered in process."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    from apps.auth.services import user_register
    from apps.feed.services import post_create
    from apps.users.services import follow_create

    # Seeding only: a password hash that costs nothing (nobody logs in; tokens are minted).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    ids, usernames = [], []
    for n in range(USERS):
        username = f"reed{n:04d}"
        tokens = user_register(
            username=username,
            email=f"{username}@reed.example",
            password="bench-only-passphrase-98",
            client_address="127.0.0.1",
        )
        ids.append(tokens.user.id)
        usernames.append(username)
    seconds["register"] = round(time.perf_counter() - started, 1)
    log(f"registered {USERS} users in {seconds['register']} s")

    started = time.perf_counter()
    for a, b in pairs:
        follow_create(follower_id=ids[a], followee_id=ids[b])
        follow_create(follower_id=ids[b], followee_id=ids[a])
    seconds["follow"] = round(time.perf_counter() - started, 1)
    log(f"{len(pairs)} friendships ({2 * len(pairs)} follows) in {seconds['follow']} s")

    started = time.perf_counter()
    for _ in range(POSTS_PER_USER):
        for user_id in ids:
            post_create(author_id=user_id, content=" ".join(rng.choices(WORDS, k=8)))
    seconds["posts"] = round(time.perf_counter() - started, 1)
    log(f"{POSTS_PER_USER * USERS} posts, fanned out, in {seconds['posts']} s")
    return Population(ids, usernames, seconds)


def seeded_population() -> Population | None:
    """The population already in the bench databases (a re-run skips the seeding)."""
    from apps.auth.models import User

    users = list(User.objects.filter(username__startswith="reed").order_by("username"))
    if len(users) != USERS:
        return None
    return Population([u.id for u in users], [u.username for u in users])


# --- the layouts -----------------------------------------------------------------------------


@dataclass
class Layout:
    name: str
    url: str
    describe: str


@contextmanager
def single_process(jwt_dir: str, log_path: Path, *, workers: int = 1) -> Iterator[Layout]:
    """One ASGI process serving all five services, events in process (the embedded default's
    shape, on PostgreSQL and Redis); `workers` > 1: that many such processes behind one socket,
    the monolith given the machine's cores as the stack is."""
    port = free_port()
    env = {
        **os.environ,
        "SOCIALAPP_SERVICES": "all",
        "JWT_KEYS_DIR": jwt_dir,
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_POOL": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    command = [
        sys.executable, "-m", "gunicorn", "socialapp.asgi:application", "-k", "socialapp.asgi_worker.AsgiWorker",
        "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log_path)
        if workers == 1:
            yield Layout("single", url, "one ASGI process (gunicorn + AsgiWorker), every service, events in process")
        else:
            yield Layout(
                f"single-x{workers}",
                url,
                f"{workers} ASGI worker processes (gunicorn + AsgiWorker), each with every service, events in process",
            )
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"server ended:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


# --- the load ------------------------------------------------------------------------------


def mixed_worker_factory(url: str, population: Population, tokens: list[str], seed: int) -> Any:
    """Each client thread: its own connection pool and random stream; one call = one request."""
    weights = [w for _, w in MIX]
    names = [n for n, _ in MIX]

    def make(slot: int) -> tuple[Callable[[int], None], Callable[[], None]]:
        rng = random.Random(seed * 1000 + slot)
        client = httpx.Client(base_url=url, timeout=30)

        def call(_: int) -> None:
            operation = rng.choices(names, weights)[0]
            viewer = rng.randrange(len(tokens))
            headers = {"Authorization": f"Bearer {tokens[viewer]}"}
            if operation == "home_feed":
                body: dict[str, Any] = {"query": HOME_FEED}
            elif operation == "user_timeline":
                body = {"query": USER_TIMELINE, "variables": {"username": rng.choice(population.usernames)}}
            else:
                words = rng.choices(WORDS, k=6)
                if rng.random() < 0.3:
                    words.append(f"#{rng.choice(WORDS)}")
                body = {"query": COMPOSE, "variables": {"content": " ".join(words)}}
            response = client.post("/graphql/feed/", json=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{operation}: HTTP {response.status_code} {response.text[:120]}")
            answer = response.json()
            if answer.get("errors") or (operation == "compose" and answer["data"]["createPost"]["errors"]):
                raise RuntimeError(f"{operation}: {response.text[:160]}")

        return call, client.close

    return make


def ramp(
    layout: Layout, population: Population, tokens: list[str], rates: list[int], seconds: float
) -> list[dict[str, Any]]:
    steps = []
    for n, rate in enumerate(rates):
        step = run_paced(mixed_worker_factory(layout.url, population, tokens, seed=n), rate, seconds, CLIENTS)
        steps.append(step)
        latency = step["latency_ms"]
        log(
            f"{layout.name} offered {rate}/s: achieved {step['achieved_per_s']}/s, p50 {latency.get('p50')} ms,"
            f" p99 {latency.get('p99')} ms, {step['errors']} errors"
        )
        if step["achieved_per_s"] < 0.9 * rate or latency.get("p99", 0) > MAX_P99_MS:
            break
    return steps


def sustained(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps a layout kept up with: achieved >= 90% of offered, p99 within
    SUSTAINED_P99_MS, no errors."""
    return [
        step
        for step in steps
        if step["achieved_per_s"] >= 0.9 * step["offered_per_s"]
        and step["latency_ms"].get("p99", 0) <= SUSTAINED_P99_MS
        and not step["errors"]
    ]


# --- report --------------------------------------------------------------------------------


def split_cost(results: dict[str, Any]) -> dict[str, Any]:
    """For each one-process layout against the stack: the highest rates each sustained, their
    ratio, and the stack's p50 over the monolith's at the rates both sustained."""
    stack = sustained(results["layouts"].get("stack", {}).get("steps", []))
    costs: dict[str, Any] = {}
    for name, layout in results["layouts"].items():
        single = sustained(layout["steps"])
        if name == "stack" or not single or not stack:
            continue
        by_rate = {s["offered_per_s"]: s for s in single}
        stack_by_rate = {s["offered_per_s"]: s for s in stack}
        both = sorted(by_rate.keys() & stack_by_rate.keys())
        capacity, stack_capacity = max(by_rate), max(stack_by_rate)
        costs[name] = {
            "sustained_per_s": capacity,
            "sustained_stack_per_s": stack_capacity,
            "capacity_ratio_over_stack": round(capacity / stack_capacity, 2),
            "p50_ratio_stack_over_it": {
                str(rate): round(stack_by_rate[rate]["latency_ms"]["p50"] / by_rate[rate]["latency_ms"]["p50"], 2)
                for rate in both
            },
        }
    return costs


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Mixed workload: single process against the five-service stack ({results['finished_at']})",
        "",
        "Produced by `bench/mixed_bench.py`: 60% `homeFeed`, 30% `userPosts`, 10% `createPost`, random",
        f"users, on a graph of socfb-Reed98's shape ({results['graph']['users']} users,"
        f" {results['graph']['pairs']} friendship pairs, each following both ways; degree median"
        f" {results['graph']['degree_median']}, max {results['graph']['degree_max']}), open loop,"
        f" {CLIENTS} client threads, {results['seconds_per_step']} s a step, on this 2-core machine"
        " (the load generator shares it).",
        "",
        "| layout | offered /s | achieved /s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, layout in results["layouts"].items():
        for step in layout["steps"]:
            latency = step["latency_ms"]
            lines.append(
                f"| {name} | {step['offered_per_s']} | {step['achieved_per_s']} | {latency.get('p50')} |"
                f" {latency.get('p99')} | {step['errors']} |"
            )
    lines += ["", "Layouts:", ""]
    lines += [f"- **{name}**: {layout['describe']}" for name, layout in results["layouts"].items()]
    costs = results.get("split_cost") or {}
    lines += ["", "## The cost of the split", ""]
    for name, cost in costs.items():
        lines += [
            f"- {name} against the stack, highest rate sustained (achieved >= 90% of offered, p99 <="
            f" {SUSTAINED_P99_MS:.0f} ms, no errors): {name} {cost['sustained_per_s']}/s, stack"
            f" {cost['sustained_stack_per_s']}/s; {name} / stack = **{cost['capacity_ratio_over_stack']}**;"
            f" stack p50 / {name} p50 at the rates both sustained: {cost['p50_ratio_stack_over_it']}",
        ]
    if not costs:
        lines.append("- not measured: a layout is missing from this run")
    lines += [
        "",
        "Reading it: the two layouts are compared as each is deployed, not request for request. The",
        "single process is one OS process (one core at most, one GIL) answering every request with the",
        "ASGI application and running the events' handlers (the fan-out of each post) in process; the",
        "stack spreads the same work over processes on both cores: the feed on the WSGI application",
        "under gunicorn's threads (ADR 0011), fan-out in the feed consumer, behind one more hop (nginx).",
        "So a ratio below 1 says the split gains more from the second core than it loses to the hop",
        "and Kafka; the cost of the split per request shows at low load, in the p50 ratios. The",
        "load generator and other sessions share the 2 cores (load average above). `single-x2`, when",
        "run, is the monolith given both cores too (two worker processes): the like-for-like capacity.",
    ]
    lines += ["", "![latency against throughput](mixed.png)", "", f"Machine: {results['machine']}", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot")
        return False
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, layout in results["layouts"].items():
        steps = layout["steps"]
        x = [s["achieved_per_s"] for s in steps]
        axis.plot(x, [s["latency_ms"].get("p50") for s in steps], marker="o", label=f"{name} p50")
        axis.plot(x, [s["latency_ms"].get("p99") for s in steps], marker="^", linestyle="--", label=f"{name} p99")
    axis.set_xlabel("achieved throughput (requests/s)")
    axis.set_ylabel("latency (ms)")
    axis.set_yscale("log")
    axis.set_title("Mixed workload: 60% home feed, 30% user timeline, 10% compose")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="three steps of 5 s")
    parser.add_argument(
        "--layouts",
        default="single,single-x2,stack",
        help="which layouts, in order: single, single-xN (N worker processes), stack",
    )
    parser.add_argument("--seconds", type=float, default=None, help="seconds per step (15)")
    parser.add_argument("--reseed", action="store_true", help="drop the bench databases and seed again")
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    rates = QUICK_RATES if args.quick else FULL_RATES
    layouts = [name.strip() for name in args.layouts.split(",") if name.strip()]

    if args.reseed:
        from bench.common import drop_databases

        drop_databases(DATABASE_URL)
    _, pg_version = ensure_databases(DATABASE_URL)
    jwt_dir = str(Path(tempfile.gettempdir()) / "bench-mixed-jwt")
    setup_django(
        DATABASE_URL,
        environment={
            "REDIS_URL": REDIS_URL,
            "JWT_KEYS_DIR": jwt_dir,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REGISTRATIONS_PER_ADDRESS": "100000",
            "ACCESS_TOKEN_MINUTES": "240",  # one run outlives the default 10 minutes
            "MEDIA_PORT": "inprocess",
        },
        drop=("KAFKA_BOOTSTRAP_SERVERS", "CELERY_BROKER_URL"),
    )
    import redis

    from tests.auth_helpers import access_token_for

    rng = random.Random(98)
    pairs = friendship_pairs(USERS, PAIRS, rng)
    population = None if args.reseed else seeded_population()
    if population is None:
        redis.Redis.from_url(REDIS_URL).flushdb()
        population = seed(pairs, rng)
    tokens = [
        access_token_for(user_id, name) for user_id, name in zip(population.ids, population.usernames, strict=True)
    ]

    cpu_reference = cpu_seconds_reference()
    results: dict[str, Any] = {
        "graph": {"users": USERS, "pairs": len(pairs), **degree_stats(pairs)},
        "seeding_seconds": population.seconds,
        "seconds_per_step": seconds,
        "layouts": {},
    }
    log_dir = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    for name in layouts:
        with start_layout(name, jwt_dir, log_dir) as layout:
            log(f"{name}: {layout.describe} at {layout.url}")
            steps = ramp(layout, population, tokens, rates, seconds)
            results["layouts"][name] = {"describe": layout.describe, "steps": steps}
    results["split_cost"] = split_cost(results)
    results.update(
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_facts(pg_version, cpu_reference),
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = "mixed.quick" if args.quick else "mixed"
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    plot(results, RESULTS_DIR / f"{stem}.png")
    (RESULTS_DIR / f"{stem}.md").write_text(markdown(results).replace("(mixed.png)", f"({stem}.png)"))
    print(markdown(results))
    log(f"wrote {RESULTS_DIR / stem}.json, .md and .png")
    return 0


@contextmanager
def start_layout(name: str, jwt_dir: str, log_dir: Path) -> Iterator[Layout]:
    if name == "single":
        with single_process(jwt_dir, log_dir / "single.log") as layout:
            yield layout
    elif name.startswith("single-x") and name.removeprefix("single-x").isdigit():
        with single_process(jwt_dir, log_dir / f"{name}.log", workers=int(name.removeprefix("single-x"))) as layout:
            yield layout
    elif name == "stack":
        with stack_layout(jwt_dir, log_dir) as layout:
            yield layout
    else:
        raise SystemExit(f"unknown layout {name!r} (single, single-xN, stack)")


@contextmanager
def stack_layout(jwt_dir: str, log_dir: Path) -> Iterator[Layout]:
    """`manage.py runstack`'s layout on the same databases and Redis: the five servers as their
    Deployments run them, the relay, the consumers, Celery and the nginx gateway, Kafka mode."""
    from socialapp.localstack.stack import LocalStack, StackOptions

    with (log_dir / "stack.log").open("wb") as output:
        options = StackOptions(
            data_dir=log_dir / "stack",
            database_url=DATABASE_URL,
            redis_url=REDIS_URL,
            output=output,
            # The bench's key ring, so the tokens minted here verify; no write budget.
            extra_env={"JWT_KEYS_DIR": jwt_dir, "JWT_ACTIVE_KID": "bench", "RATELIMIT_ENABLE": "false"},
        )
        (log_dir / "stack").mkdir(parents=True, exist_ok=True)
        stack = LocalStack(options)
        stack.start(say=log)
        try:
            processes = ", ".join(process.name for process in stack.processes)
            yield Layout("stack", stack.url, f"runstack's five-service layout through its nginx gateway ({processes})")
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
