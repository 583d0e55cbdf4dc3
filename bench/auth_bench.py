"""Authentication benchmark: what verifying an access token costs each request, and how many
logins per second the Argon2-bound login path sustains, each beside a baseline measured in
the same run.

    .venv/bin/python bench/auth_bench.py [--quick]

Uses its own databases (bench_socialapp_*) and Redis database 14 (flushed), writes
bench/results/auth.json and auth.md (auth.quick.* with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    distribution_ms,
    ensure_databases,
    log,
    setup_django,
    text_table,
    verdict,
)

RESULTS_DIR = ROOT / "bench" / "results"
REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_VERIFY_MS = 0.2


def configure(database_url: str) -> None:
    setup_django(
        database_url,
        environment={
            "REDIS_URL": REDIS_URL,
            "JWT_KEYS_DIR": tempfile.mkdtemp(prefix="bench-jwt-"),
            "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "1000000",
        },
    )


def timed_loop(n: int, body: Any) -> list[float]:
    durations = []
    for i in range(n):
        started = time.perf_counter()
        body(i)
        durations.append(time.perf_counter() - started)
    return durations


def verification(n: int) -> dict[str, Any]:
    import uuid

    from django.core.cache import cache
    from django.test import Client, RequestFactory

    from socialapp.authn.revocation import is_revoked, revocation_list
    from socialapp.authn.tokens import SignedAccessToken, token_backend
    from socialapp.authn.viewer import viewer_from_request

    cache.clear()

    def mint() -> str:
        token = SignedAccessToken()
        token["sub"] = str(uuid.uuid4())
        token["username"] = "bench"
        return str(token)

    raw = mint()
    token = token_backend.decode(raw)
    fresh_tokens = [mint() for _ in range(n)]  # each seen once: the RSA check is never remembered
    factory = RequestFactory()

    def anonymous(_: int) -> None:
        assert viewer_from_request(factory.get("/graphql/feed/")) is None

    def authenticated(_: int) -> None:
        request = factory.get("/graphql/feed/", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert viewer_from_request(request) is not None

    def first_sight(i: int) -> None:
        request = factory.get("/graphql/feed/", HTTP_AUTHORIZATION=f"Bearer {fresh_tokens[i]}")
        assert viewer_from_request(request) is not None

    for warm in (anonymous, authenticated):
        timed_loop(200, warm)
    assert revocation_list().wait_until_synced()
    anon = timed_loop(n, anonymous)
    auth = timed_loop(n, authenticated)
    fresh = timed_loop(n, first_sight)
    signature = timed_loop(n, lambda _: token_backend.decode(raw))
    revocation = timed_loop(n, lambda _: is_revoked(str(token["jti"])))

    client = Client()
    body = json.dumps({"query": "{ feedService { name } }"})
    whole = timed_loop(min(n, 2000), lambda _: client.post("/graphql/feed/", body, content_type="application/json"))
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    cost_ms = (mean(auth) - mean(anon)) * 1000
    fresh_cost_ms = (mean(fresh) - mean(anon)) * 1000
    return {
        "fresh_token_verification_cost_ms": round(fresh_cost_ms, 4),
        "requests": n,
        "anonymous_request_ms": distribution_ms(anon),
        "authenticated_request_ms": distribution_ms(auth),
        "verification_cost_ms": round(cost_ms, 4),
        "rs256_verify_ms": distribution_ms(signature),
        "revocation_lookup_ms": distribution_ms(revocation),
        "whole_anonymous_graphql_request_ms": distribution_ms(whole),
    }


def login_throughput(n: int) -> dict[str, Any]:
    import uuid

    from django.contrib.auth.hashers import check_password, make_password

    from apps.auth.models import RefreshSession, User
    from apps.auth.services import user_login, user_register

    password = "correct horse battery staple"
    User.objects.all().delete()
    hashes = timed_loop(n, lambda _: make_password(password))
    encoded = make_password(password)
    checks = timed_loop(n, lambda _: check_password(password, encoded))
    username = f"bench_{uuid.uuid4().hex[:8]}"  # profiles of earlier runs keep their names
    user_register(username=username, email=f"{username}@example.com", password=password, client_address="bench")

    sequential = timed_loop(n, lambda _: user_login(login=username, password=password, client_address="10.0.0.1"))

    per_thread = max(n // 2, 1)
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connections

        try:
            for _ in range(per_thread):
                user_login(login=username, password=password, client_address="10.0.0.2")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel_seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    RefreshSession.objects.all().delete()
    return {
        "logins": n,
        "argon2_hash_per_s": round(n / sum(hashes), 2),
        "argon2_check_per_s": round(n / sum(checks), 2),
        "login_sequential_per_s": round(n / sum(sequential), 2),
        "login_sequential_ms": distribution_ms(sequential),
        "login_two_threads_per_s": round(2 * per_thread / parallel_seconds, 2),
        "argon2_parameters": encoded.split("$")[2],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    _, pg_version = ensure_databases(args.database_url)
    configure(args.database_url)
    from django.core.cache import cache

    log("verification cost")
    verify = verification(3000 if args.quick else 20000)
    log("login throughput")
    logins = login_throughput(6 if args.quick else 30)
    cache.clear()

    rows = table_rows(verify, logins)
    print(text_table(rows))
    write_results(rows, verify, logins, quick=args.quick, pg_version=pg_version)
    cost, fresh_cost = verify["verification_cost_ms"], verify["fresh_token_verification_cost_ms"]
    return 0 if max(cost, fresh_cost) < TARGET_VERIFY_MS else 2


def table_rows(verify: dict[str, Any], logins: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    cost = verify["verification_cost_ms"]
    fresh_cost = verify["fresh_token_verification_cost_ms"]
    ratio = logins["login_sequential_per_s"] / logins["argon2_check_per_s"]
    return [
        (
            "token verification per request, token seen before (ms)",
            f"{cost:.4f}",
            f"anonymous request {verify['anonymous_request_ms']['mean']:.4f} ms (same run)",
            f"< {TARGET_VERIFY_MS}",
            verdict(cost < TARGET_VERIFY_MS),
        ),
        (
            "token verification per request, first sight (ms)",
            f"{fresh_cost:.4f}",
            "a new token each request: the full RS256 check",
            f"< {TARGET_VERIFY_MS}",
            verdict(fresh_cost < TARGET_VERIFY_MS),
        ),
        ("  of which RS256 signature p50 (ms)", f"{verify['rs256_verify_ms']['p50']:.4f}", "2048-bit key", "-", "-"),
        (
            "  of which revocation lookup p50 (ms)",
            f"{verify['revocation_lookup_ms']['p50']:.4f}",
            "in memory, replicated from Redis pub/sub",
            "-",
            "-",
        ),
        (
            "whole anonymous GraphQL request p50 (ms)",
            f"{verify['whole_anonymous_graphql_request_ms']['p50']:.3f}",
            "Django test client, /graphql/feed/",
            "-",
            "-",
        ),
        (
            "login throughput, 1 thread (logins/s)",
            f"{logins['login_sequential_per_s']:.2f}",
            f"Argon2 check {logins['argon2_check_per_s']:.2f}/s ({ratio:.0%} of it)",
            "Argon2-bound",
            "-",
        ),
        (
            "login throughput, 2 threads (logins/s)",
            f"{logins['login_two_threads_per_s']:.2f}",
            f"Argon2 hash {logins['argon2_hash_per_s']:.2f}/s, {logins['argon2_parameters']}",
            "-",
            "-",
        ),
    ]


def write_results(
    rows: list[tuple[str, str, str, str, str]],
    verify: dict[str, Any],
    logins: dict[str, Any],
    *,
    quick: bool,
    pg_version: str,
) -> None:
    results = {
        "mode": "quick" if quick else "full",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "load_average": os.getloadavg(),
        },
        "verification": verify,
        "login": logins,
    }
    suffix = ".quick" if quick else ""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"auth{suffix}.json").write_text(json.dumps(results, indent=2) + "\n")
    header = "| measure | value | baseline / context | target | result |\n|---|---|---|---|---|\n"
    body = "".join(f"| {' | '.join(row)} |\n" for row in rows)
    (RESULTS_DIR / f"auth{suffix}.md").write_text(
        f"# Authentication benchmark ({results['mode']} run, {results['at']})\n\n"
        "Produced by `bench/auth_bench.py`.\n\n" + header + body + f"\nMachine: {results['machine']}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
