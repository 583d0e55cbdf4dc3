#!/usr/bin/env python
"""Notifications benchmark: from the committing write to the push arriving on open sockets,
beside a raw Redis pub/sub round trip measured in the same run; what idle sockets cost one
server process.

    .venv/bin/python bench/notifications_bench.py            # 1,000 sockets (~1 min)
    .venv/bin/python bench/notifications_bench.py --quick    # 200 sockets
    .venv/bin/python bench/notifications_bench.py --broker --idle-sockets 10000   # the full run

One uvicorn process (every service, one worker, without permessage-deflate as the Deployments'
AsgiWorker serves; --deflate turns it on) holds the sockets. This process writes as the feed does
(`post_like`, `post_create`, in-process event delivery: the notifications handlers run here after
the commit and push through Redis to the server) and times each push's arrival at the sockets of
the timed recipients (the bell followers, who also own the liked posts); the other sockets are
held by a crowd process of their own (bench/socket_crowd.py), as a real server's clients are
elsewhere, so that their frames do not queue in this process ahead of the timed ones. Databases
of its own (bench_socialapp_<alias>), Redis database 14. With --broker, the likes are timed
again through a Tansu broker it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/

import httpx  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from bench.common import (  # noqa: E402  (after the sys.path fix)
    DEFAULT_DATABASE_URL,
    cpu_seconds_reference,
    distribution_ms,
    ensure_databases,
    log,
    machine_facts,
    setup_django,
    text_table,
    verdict,
)

RESULTS_DIR = ROOT / "bench" / "results"
REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_P99_MS = 100.0
TARGET_IDLE_KB = 50.0
TARGET_BROKER_P99_MS = 300.0
CONSUMER_OVERRIDES = {"max.poll.interval.ms": "10000", "session.timeout.ms": "6000"}
T = TypeVar("T")


def raise_open_files_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_server(
    database_url: str, jwt_dir: str, log_path: Path, *, deflate: bool
) -> tuple[subprocess.Popen[bytes], str]:
    import socket

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
        "JWT_KEYS_DIR": jwt_dir,
        "JWT_GENERATE_KEYS": "false",  # provisioned by this process (a production check refuses otherwise)
        "EVENTS_START_SWEEPER": "false",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    command = [
        sys.executable, "-m", "uvicorn", "socialapp.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--no-access-log", "--log-level", "warning", "--backlog", "4096",
        "--ws-per-message-deflate", "true" if deflate else "false",
    ]  # fmt: skip
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
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


class Arrivals:
    """Each socket's reader records when messages arrive, (user, type, post id) -> time; a push
    may arrive before the writing call returns (in-process delivery runs inside it)."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[uuid.UUID, str, str], asyncio.Future[float]] = {}
        self.arrived: dict[tuple[uuid.UUID, str, str], float] = {}

    def expect(self, user_id: uuid.UUID, kind: str, post_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        key = (user_id, kind, post_id)
        if key in self.arrived:
            future.set_result(self.arrived.pop(key))
        else:
            self.waiting[key] = future
        return future

    async def read(self, user_id: uuid.UUID, socket: ClientConnection) -> None:
        async for raw in socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "notification":
                post_id = message["group"]["postId"] or ""
            else:
                post_id = message.get("postId", "")
            key = (user_id, message["type"], post_id)
            future = self.waiting.pop(key, None)
            if future is None:
                self.arrived[key] = now
            elif not future.done():
                future.set_result(now)


# The writes run on one thread that keeps its database connections, as a server's worker thread
# keeps its pooled ones (DATABASE_POOL): opening three connections per write would add ~10 ms
# to every figure that no deployed server pays.
WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-writer")


async def in_thread(function: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(WRITER, function)


async def close_writer_connections() -> None:
    from django.db import connections

    await in_thread(connections.close_all)


async def open_sockets(url: str, tokens: list[tuple[uuid.UUID, str]], arrivals: Arrivals) -> list[Any]:
    ws = url.replace("http://", "ws://") + "/ws/notifications/"
    sockets: list[Any] = []

    async def one(user_id: uuid.UUID, token: str) -> None:
        socket = await connect(f"{ws}?access_token={token}", origin=Origin(url), open_timeout=120)
        await socket.recv()  # hello
        sockets.append((socket, asyncio.create_task(arrivals.read(user_id, socket))))

    for start in range(0, len(tokens), 100):  # in waves: the accept backlog and the handshakes
        await asyncio.gather(*(one(user_id, token) for user_id, token in tokens[start : start + 100]))
    return sockets


async def close_sockets(sockets: list[Any]) -> None:
    for _, reader in sockets:
        reader.cancel()
    await asyncio.gather(*(socket.close() for socket, _ in sockets), return_exceptions=True)


async def redis_round_trips(count: int) -> list[float]:
    """Raw Redis pub/sub: publish, then the subscriber receives (the floor under any push)."""
    subscriber = aioredis.from_url(REDIS_URL)
    publisher = aioredis.from_url(REDIS_URL)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe("bench:notifications:raw")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    for n in range(count):
        started = time.perf_counter()
        await publisher.publish("bench:notifications:raw", str(n))
        while True:
            message = await pubsub.get_message(timeout=5)
            if message and message["type"] == "message":
                break
        samples.append(time.perf_counter() - started)
    await pubsub.aclose()
    await subscriber.aclose()
    await publisher.aclose()
    return samples


class SocketCrowd:
    """bench/socket_crowd.py in a child process: the sockets whose pushes are not timed."""

    def __init__(self, process: subprocess.Popen[str], size: int) -> None:
        self.process = process
        self.size = size

    @classmethod
    async def start(cls, url: str, tokens: list[str]) -> SocketCrowd:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "socket_crowd.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        crowd = cls(process, 0)
        crowd.size = (await crowd.ask({"url": url, "tokens": tokens}))["ready"]
        return crowd

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        def exchange() -> dict[str, Any]:
            assert self.process.stdin is not None
            assert self.process.stdout is not None
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the socket crowd ended (exit {self.process.wait()})")
            answer: dict[str, Any] = json.loads(line)
            return answer

        return await asyncio.to_thread(exchange)

    async def wait_for(self, post_id: str) -> list[float]:
        times: list[float] = (await self.ask({"wait": post_id}))["times"]
        return times

    async def close(self) -> None:
        await self.ask({"close": True})
        await asyncio.to_thread(self.process.wait, 30)


async def run(args: argparse.Namespace, url: str, server_pid: int) -> dict[str, Any]:
    from apps.feed.services import post_create, post_like
    from apps.notifications.models import Actor, Follow
    from apps.users.services import profile_create
    from tests.auth_helpers import access_token_for

    results: dict[str, Any] = {}
    author = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(args.sockets)]
    bell = users[: args.bell]

    def seed() -> None:
        profile_create(user_id=author, username=f"a{author.hex[:20]}")
        Actor.objects.bulk_create(
            [Actor(user_id=u, username=f"u{u.hex[:20]}") for u in users], ignore_conflicts=True, batch_size=2000
        )
        Follow.objects.bulk_create(
            [Follow(follower_id=u, followee_id=author, post_notifications=u in set(bell)) for u in users],
            batch_size=2000,
        )

    await in_thread(seed)
    tokens = [(u, access_token_for(u, f"u{u.hex[:20]}")) for u in users]
    arrivals = Arrivals()

    # The timed recipients (the bell followers, who also own the liked posts) are read here;
    # every other socket is held by a crowd process of its own (bench/socket_crowd.py), so
    # their frames do not queue in this process's event loop ahead of the timed ones.
    rss_before = rss_kb(server_pid)
    started = time.perf_counter()
    sockets = await open_sockets(url, tokens[: len(bell)], arrivals)
    crowd = await SocketCrowd.start(url, [token for _, token in tokens[len(bell) :]])
    results["connect_seconds"] = round(time.perf_counter() - started, 2)
    open_count = len(sockets) + crowd.size
    await asyncio.sleep(2)  # the server settles (heartbeats, presence) before its memory is read
    results["server_rss_kb"] = {"before": rss_before, "with_sockets": rss_kb(server_pid)}
    results["kb_per_socket"] = round((results["server_rss_kb"]["with_sockets"] - rss_before) / open_count, 1)
    log(f"{open_count} sockets open in {results['connect_seconds']} s, {results['kb_per_socket']} KB each")

    results["redis_pubsub_round_trip"] = distribution_ms(await redis_round_trips(args.samples))

    # Likes: each of `samples` likes of a post of a user holding a timed socket, timed to that socket.
    owners = [bell[n % len(bell)] for n in range(args.samples)]
    posts = await in_thread(lambda: [post_create(author_id=u, content=f"post of {u}").id for u in owners])
    like_samples = []
    for owner, post_id in zip(owners, posts, strict=True):
        arrival = arrivals.expect(owner, "notification", str(post_id))
        liker = uuid.uuid4()
        began = time.perf_counter()
        await in_thread(lambda liker=liker, post_id=post_id: post_like(user_id=liker, post_id=post_id))
        like_samples.append(await asyncio.wait_for(arrival, 30) - began)
    results["like_to_push"] = distribution_ms(like_samples)
    log(f"like -> push: {results['like_to_push']}")

    # New posts by the author: every socket gets `home.update`, the bell followers a notification.
    bell_samples, home_samples, home_last = [], [], []
    for n in range(args.posts):
        began = time.perf_counter()
        news = str(await in_thread(lambda n=n: post_create(author_id=author, content=f"news {n}").id))
        home = [arrivals.expect(u, "home.update", news) for u in bell]
        bells = [arrivals.expect(u, "notification", news) for u in bell]
        own = await asyncio.wait_for(asyncio.gather(*home, *bells), 60)
        crowd_times = await asyncio.wait_for(crowd.wait_for(news), 60)  # recorded as they came
        home_times = [t - began for t in [*own[: len(home)], *crowd_times]]
        bell_samples += [t - began for t in own[len(home) :]]
        home_samples += home_times
        home_last.append(max(home_times))
    results["post_to_bell_push"] = distribution_ms(bell_samples)
    results["post_to_home_update"] = distribution_ms(home_samples)
    results["post_to_last_home_update"] = distribution_ms(home_last)
    results["home_updates_per_second"] = round(open_count / (sum(home_last) / len(home_last)))
    log(f"post -> home.update at {len(users)} sockets: {results['post_to_home_update']}")
    if args.broker:
        results["broker"] = await broker_phase(args, arrivals, owners, posts, author=author, bell=bell)
        log(f"through the broker, like -> push: {results['broker']['like_to_push']}")
    await close_sockets(sockets)
    await crowd.close()

    if args.idle_sockets:
        idle_users = [uuid.uuid4() for _ in range(args.idle_sockets)]
        idle_tokens = [(u, access_token_for(u, "idle")) for u in idle_users]
        before = rss_kb(server_pid)
        idle = await open_sockets(url, idle_tokens, Arrivals())
        await asyncio.sleep(2)
        after = rss_kb(server_pid)
        results["idle"] = {"sockets": len(idle), "rss_before_kb": before, "rss_after_kb": after}
        results["idle"]["kb_per_socket"] = round((after - before) / len(idle), 1)
        log(f"{len(idle)} idle sockets: {results['idle']['kb_per_socket']} KB each")
        await close_sockets(idle)
    await close_writer_connections()
    return results


async def broker_phase(
    args: argparse.Namespace,
    arrivals: Arrivals,
    owners: list[uuid.UUID],
    posts: list[int],
    *,
    author: uuid.UUID,
    bell: list[uuid.UUID],
) -> dict[str, Any]:
    """The same likes and new posts in Kafka mode: the feed's outbox relayed to a Tansu broker, the
    notifications consumer group (threads of this process, as `relay_outbox feed` and
    `consume notifications` run) handling them and pushing through Redis."""
    import threading

    from django.conf import settings

    from apps.feed.services import post_create, post_like
    from socialapp.eventing.kafka.consumer import EventConsumer
    from socialapp.eventing.kafka.relay import OutboxRelay
    from socialapp.eventing.kafka.topics import ensure_topics
    from tests.components import TansuBroker

    prefix = f"bench-notifications-{uuid.uuid4().hex[:6]}."
    with TansuBroker() as broker:
        settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap  # events_mode() reads it at call time
        settings.KAFKA_TOPIC_PREFIX = prefix
        settings.KAFKA_CONSUMER_GROUP_PREFIX = f"{prefix}group"
        ensure_topics(list(settings.SOCIALAPP_SERVICE_APPS))
        stop = threading.Event()
        workers = [
            OutboxRelay("feed", stop=stop),
            EventConsumer("notifications", stop=stop, consumer_overrides=dict(CONSUMER_OVERRIDES)),
        ]
        threads = [threading.Thread(target=worker.run, daemon=True) for worker in workers]
        for thread in threads:
            thread.start()
        try:
            # Warm-up: until the consumer is assigned and a like comes through.
            warm = arrivals.expect(owners[0], "notification", str(posts[0]))
            await in_thread(lambda: post_like(user_id=uuid.uuid4(), post_id=posts[0]))
            await asyncio.wait_for(warm, 120)
            samples = []
            for owner, post_id in zip(owners, posts, strict=True):
                arrival = arrivals.expect(owner, "notification", str(post_id))
                liker = uuid.uuid4()
                began = time.perf_counter()
                await in_thread(lambda liker=liker, post_id=post_id: post_like(user_id=liker, post_id=post_id))
                samples.append(await asyncio.wait_for(arrival, 30) - began)
            bell_samples = []
            for n in range(args.posts):
                began = time.perf_counter()
                news = str(await in_thread(lambda n=n: post_create(author_id=author, content=f"relayed {n}").id))
                bells = [arrivals.expect(u, "notification", news) for u in bell]
                bell_samples += [t - began for t in await asyncio.wait_for(asyncio.gather(*bells), 60)]
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            settings.KAFKA_BOOTSTRAP_SERVERS = ""
        return {
            "like_to_push": distribution_ms(samples),
            "post_to_bell_push": distribution_ms(bell_samples),
            "broker": broker.version(),
        }


def rows_of(results: dict[str, Any]) -> list[tuple[str, ...]]:
    def fmt(d: dict[str, Any]) -> str:
        return f"{d['p50']} / {d['p99']} / {d['max']}"

    like, bell, home = results["like_to_push"], results["post_to_bell_push"], results["post_to_home_update"]
    raw = results["redis_pubsub_round_trip"]
    broker_rows: list[tuple[str, ...]] = []
    if "broker" in results:
        through = results["broker"]["like_to_push"]
        broker_rows.append(
            (
                "post_like commit -> push through the broker p50/p99/max ms",
                fmt(through),
                f"{through['count']} likes; relay and consumer threads, {results['broker']['broker']}",
                f"p99 < {TARGET_BROKER_P99_MS:.0f} ms",
                verdict(through["p99"] < TARGET_BROKER_P99_MS),
            )
        )
        relayed_bell = results["broker"]["post_to_bell_push"]
        broker_rows.append(
            (
                "post_create -> bell notification through the broker p50/p99/max ms",
                fmt(relayed_bell),
                f"{relayed_bell['count']} pushes ({results['bell']} bell followers x {results['posts']} posts),"
                f" {results['sockets']} sockets open",
                f"p99 < {TARGET_BROKER_P99_MS:.0f} ms",
                verdict(relayed_bell["p99"] < TARGET_BROKER_P99_MS),
            )
        )
    rows: list[tuple[str, ...]] = [
        ("raw Redis pub/sub round trip p50/p99/max ms", fmt(raw), f"{raw['count']} messages", "baseline", "-"),
        (
            "post_like commit -> notification on the owner's socket p50/p99/max ms",
            fmt(like),
            f"{like['count']} likes, {results['sockets']} sockets open",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            verdict(like["p99"] < TARGET_P99_MS),
        ),
        *broker_rows,
        (
            "post_create -> bell notification p50/p99/max ms",
            fmt(bell),
            f"{bell['count']} pushes ({results['bell']} bell followers x {results['posts']} posts)",
            f"p99 < {TARGET_P99_MS:.0f} ms",
            verdict(bell["p99"] < TARGET_P99_MS),
        ),
        (
            "post_create -> home.update at every socket p50/p99/max ms",
            fmt(home),
            f"{home['count']} pushes; to the last socket: {fmt(results['post_to_last_home_update'])}",
            "(info)",
            "-",
        ),
        (
            "home.update pushes per second (one post to all sockets)",
            str(results["home_updates_per_second"]),
            "",
            "(info)",
            "-",
        ),
        (
            "server RSS per open socket (KB)",
            str(results["kb_per_socket"]),
            f"{results['sockets']} sockets, connected in {results['connect_seconds']} s"
            + (", permessage-deflate" if results["deflate"] else ", no permessage-deflate, as deployed")
            + "; subscribed, with their presence and queues (the target is for idle sockets, below)",
            "(info)",
            "-",
        ),
    ]
    if "idle" in results:
        idle = results["idle"]
        rows.append(
            (
                "server RSS per idle socket (KB)",
                str(idle["kb_per_socket"]),
                f"{idle['sockets']} idle sockets in one process"
                + (", permessage-deflate" if results["deflate"] else ", no permessage-deflate, as deployed"),
                f"< {TARGET_IDLE_KB:.0f} KB",
                verdict(idle["kb_per_socket"] < TARGET_IDLE_KB),
            )
        )
    return rows


def markdown(results: dict[str, Any], rows: list[tuple[str, ...]]) -> str:
    lines = [
        f"# Notifications benchmark ({results['finished_at']})",
        "",
        "Produced by `bench/notifications_bench.py`: one uvicorn process (every service, one worker)",
        "holds the sockets; the bench process writes as the feed does (in-process event delivery, so",
        "the notifications handlers run in the bench process after the commit) and the push crosses",
        "Redis (channels_redis) to the server. Times run from just before the write's call to the",
        "message's arrival at the client. Through the broker (--broker): the feed's relay and the",
        "notifications consumer run as threads of the bench process.",
        "",
        "| measure | value | context | target | result |",
        "|---|---|---|---|---|",
        *(f"| {' | '.join(r)} |" for r in rows),
        "",
        f"Machine: {results['machine']}",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 sockets, fewer samples")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--sockets", type=int, default=None, help="open sockets during the latency runs (1000)")
    parser.add_argument("--bell", type=int, default=20, help="of them, followers with the bell on")
    parser.add_argument("--samples", type=int, default=None, help="likes and pub/sub round trips timed (200)")
    parser.add_argument("--posts", type=int, default=None, help="posts by the followed author (10)")
    parser.add_argument("--idle-sockets", type=int, default=0, help="then hold this many idle sockets")
    parser.add_argument("--broker", action="store_true", help="also time the likes through a Tansu broker")
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="serve with permessage-deflate (uvicorn's default; the Deployments' AsgiWorker turns it off)",
    )
    args = parser.parse_args()
    args.sockets = args.sockets or (200 if args.quick else 1000)
    args.samples = args.samples or (50 if args.quick else 200)
    args.posts = args.posts or (3 if args.quick else 10)
    open_files = raise_open_files_limit()
    log(f"open-files limit {open_files}")

    _, pg_version = ensure_databases(args.database_url)
    jwt_dir = tempfile.mkdtemp(prefix="bench-notifications-jwt-")
    setup_django(
        args.database_url,
        environment={"REDIS_URL": REDIS_URL, "JWT_KEYS_DIR": jwt_dir, "ALLOWED_HOSTS": "127.0.0.1,localhost"},
        drop=("KAFKA_BOOTSTRAP_SERVERS", "CELERY_BROKER_URL"),
    )
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    log_path = Path(tempfile.mkdtemp(prefix="bench-notifications-")) / "server.log"
    cpu_reference = cpu_seconds_reference()
    server, url = start_server(args.database_url, jwt_dir, log_path, deflate=args.deflate)
    try:
        results = asyncio.run(run(args, url, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    results.update(
        deflate=args.deflate,
        sockets=args.sockets,
        bell=args.bell,
        posts=args.posts,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine=machine_facts(pg_version, cpu_reference),
    )
    rows = rows_of(results)
    print()
    print(text_table(rows))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = "notifications" if not args.quick else "notifications.quick"
    stem += ".deflate" if args.deflate else ""
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS_DIR / f"{stem}.md").write_text(markdown(results, rows))
    log(f"wrote {RESULTS_DIR / (stem + '.json')} and .md")
    return 0 if all(r[4] in ("PASS", "-") for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
