"""Running the feed bench: its servers (gunicorn or uvicorn, the timeline and the naive app),
closed- and open-loop load (wrk or httpx threads; psycopg threads for the naive query), the CPU
each phase used, and the in-process cost of a page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import cpu_per_request_ms, cpu_snapshot, distribution_ms
from bench.seeding import feed_conninfo

ROOT = Path(__file__).resolve().parents[1]
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


def database_backend_pids() -> set[int]:
    """The PostgreSQL backends connected to the bench databases (the servers' pools; the bench's
    own connection too, idle during a load phase), for the CPU split of a phase."""
    import psycopg

    with psycopg.connect(**feed_conninfo(), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE %s", [connection.info.dbname.rsplit("_", 1)[0] + "_%"]
        ).fetchall()
    return {pid for (pid,) in rows}


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


def closed_loop(
    load: str, base_url: str, path: str, seconds: float, *, tokens: list[str], body: bytes | None, server_pid: int
) -> dict[str, Any]:
    """One closed-loop phase (`load`: wrk or httpx), with the CPU each part used per request
    (server workers, PostgreSQL, the whole machine: what bounds the throughput on these 2 cores)."""
    backends = database_backend_pids()
    before = cpu_snapshot(server_pid, backends)
    if load == "wrk":
        result = run_wrk(base_url, path, seconds, tokens=tokens, body=body)
    elif tokens:
        result = run_load(http_worker_factory(base_url, tokens), seconds)
    else:
        result = run_load(plain_http_factory(base_url, path, body), seconds)
    after = cpu_snapshot(server_pid, backends | database_backend_pids())
    return result | {"cpu_ms_per_request": cpu_per_request_ms(before, after, result["requests"])}
