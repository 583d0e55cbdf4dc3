"""What a refused abusive GraphQL operation costs the server, beside a trivial query.

    .venv/bin/python bench/graphql_limits_bench.py [--quick]

Each request goes through the whole Django stack in process (middleware, the GraphQL view, its
limits), so the time is the server's own, without a network or an HTTP server in front. The
attacks are those of issue 15; each is answered with a typed refusal before validation.
Target: a 2 MB query refused in under 20 ms. Results: bench/results/graphql_limits.json and .md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_MS = 20.0


def attacks() -> dict[str, str]:
    page = 'userPosts(userId: "00000000-0000-4000-8000-000000000001", first: 100) { edges { cursor } }'
    password = "correct horse battery"

    def register(n: int) -> str:
        arguments = f'username: "u{n}", email: "u{n}@example.com", password: "{password}"'
        return f"r{n}: register({arguments}) {{ errors {{ code }} }}"

    return {
        "trivial query (baseline)": "{ feedService { name } }",
        "2 MB query": "{ feedService { name } }" + " " * 2_000_000,
        "1,000 aliases of userPosts(first: 100), 125 KB": "{ " + " ".join(f"a{n}: {page}" for n in range(1000)) + " }",
        "8,000 same-named fields, 183 KB": "{ " + " ".join(["feedService { name }"] * 8000) + " }",
        "25 register mutations": "mutation { " + " ".join(register(n) for n in range(25)) + " }",
        "one page of 100 with 60 fields (cost)": "{ "
        + page.replace("{ cursor }", "{ node { " + " ".join(["id"] * 60) + " } }")
        + " }",
    }


def measure(client: object, path: str, query: str, runs: int) -> dict[str, object]:
    body = json.dumps({"query": query})
    times: list[float] = []
    status = 0
    code = None
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post(path, body, content_type="application/json")  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    answer = response.json()
    if answer.get("errors"):
        code = answer["errors"][0].get("extensions", {}).get("code")
    ordered = sorted(times)
    return {
        "bytes": len(body),
        "status": status,
        "code": code,
        "runs": runs,
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    runs = 30 if args.quick else 200

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="graphql-limits-bench-"))
    os.environ["DEBUG"] = "true"  # the embedded default: nothing here touches a database
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.disable(logging.WARNING)  # each refusal logs a "Bad Request" line
    from django.test import Client

    client = Client()
    results = {}
    for name, query in attacks().items():
        path = "/graphql/auth/" if "register" in name else "/graphql/feed/"
        measure(client, path, query, 3)  # warm: the URL conf, the schema, the caches
        results[name] = measure(client, path, query, runs)
        print(
            f"{name:50} {results[name]['median_ms']:>8} ms median  {results[name]['p99_ms']:>8} ms p99  "
            f"{results[name]['status']} {results[name]['code']}"
        )

    two_mb = results["2 MB query"]["p99_ms"]
    report = {
        "what": "server time per request, in process (Django test client through the middleware and the GraphQL view)",
        "runs_per_case": runs,
        "target": f"2 MB query refused in under {TARGET_MS} ms (p99)",
        "target_met": bool(two_mb < TARGET_MS),  # type: ignore[operator]
        "cases": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "graphql_limits.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# GraphQL limits: what a refused operation costs the server",
        "",
        f"Produced by `bench/graphql_limits_bench.py`; {runs} requests per case, in process (the Django stack and "
        "the GraphQL view, no network). Each attack is refused with a typed error before validation.",
        "",
        "| request | body bytes | answer | code | median ms | p99 ms |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for name, row in results.items():
        cells = [name, f"{row['bytes']:,}", row["status"], row["code"] or "-", row["median_ms"], row["p99_ms"]]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    verdict = "met" if report["target_met"] else "NOT met"
    lines += ["", f"Target: a 2 MB query refused in under {TARGET_MS:g} ms (p99): **{verdict}** ({two_mb} ms).", ""]
    (RESULTS / "graphql_limits.md").write_text("\n".join(lines))
    print(f"target {verdict}: 2 MB query p99 {two_mb} ms")


if __name__ == "__main__":
    main()
