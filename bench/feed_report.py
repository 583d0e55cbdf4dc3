"""Reporting the feed bench: the targets, the table's rows, and the JSON and Markdown in
bench/results/. Every function reads the run's measurements `m` (a dict built by
feed_bench.main: size, data, fill, one, inproc, plans, http, naive, naive_http, paced, ceiling,
agreement, naive_agreement, groups, clients, server_label, load_mid, server_log)."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import cpu_seconds_reference, text_table, verdict
from bench.feed_load import CONCURRENCY

Row = tuple[str, str, str, str, str]


def checks(m: dict[str, Any]) -> dict[str, Any]:
    """The targets (issue 4) and the figures they are judged on."""
    http, naive = m["http"], m["naive"]
    light, heavy = m["groups"]
    h_light, h_heavy = http[light]["throughput_per_s"], http[heavy]["throughput_per_s"]
    n_heavy = naive[heavy]["throughput_per_s"]
    ratio = h_heavy / n_heavy if n_heavy else float("inf")
    spread = abs(h_light - h_heavy) / max(h_light, h_heavy)
    p99s = {name: http[name]["latency_ms"]["p99"] for name in m["groups"]}
    return {
        "checks": {
            "throughput_5x_naive": ratio >= 5,
            "p99_under_50ms": max(p99s.values()) < 50,
            "flat_within_15pct": spread <= 0.15,
            "fanout_under_1s": m["one"]["fan_out_ms"]["max"] < 1000,
        },
        "ratio": ratio,
        "spread": spread,
    }


def http_rows(m: dict[str, Any], judged: dict[str, Any]) -> list[Row]:
    """Throughput beside the naive query, then latency, for each group."""
    http, naive, heavy = m["http"], m["naive"], m["groups"][1]
    rows: list[Row] = [
        (
            f"homeFeed over HTTP, {name} (req/s)",
            f"{http[name]['throughput_per_s']:.0f}",
            f"naive SQL {naive[name]['throughput_per_s']:.0f} req/s "
            f"(p50 {naive[name]['latency_ms']['p50']:.1f} / p99 {naive[name]['latency_ms']['p99']:.1f} ms)",
            ">= 5x naive" if name == heavy else "-",
            f"{verdict(judged['checks']['throughput_5x_naive'])} ({judged['ratio']:.2f}x)" if name == heavy else "-",
        )
        for name in m["groups"]
    ]
    for name in m["groups"]:
        lat = http[name]["latency_ms"]
        rows.append(
            (
                f"homeFeed over HTTP, {name}: p50 / p99 (ms)",
                f"{lat['p50']:.1f} / {lat['p99']:.1f}",
                f"{m['clients']}, {m['server_label']}, {http[name]['errors']} errors",
                "p99 < 50",
                verdict(lat["p99"] < 50),
            )
        )
    return rows


def like_for_like_rows(m: dict[str, Any]) -> list[Row]:
    """The same page served fan-out-on-read, and the CPU per request of both servers."""
    http, naive_http = m["http"], m["naive_http"]
    rows: list[Row] = []
    for name in m["groups"]:
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
    for name in m["groups"]:
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
    return rows


def headroom_rows(m: dict[str, Any]) -> list[Row]:
    """What the targets need on this machine, and the heavy group paced at half capacity."""
    http, paced, heavy = m["http"], m["paced"], m["groups"][1]
    cores = os.cpu_count() or 1
    # The server side's own CPU (workers + their PostgreSQL backends) bounds the throughput even
    # with the load generator, Redis and everything else on other cores: an upper bound.
    server_ms = max(
        cpu["workers"] + cpu["postgres"] for cpu in (http[name]["cpu_ms_per_request"] for name in m["groups"])
    )
    return [
        (
            f"  what p99 < 50 ms at {CONCURRENCY} clients needs (req/s)",
            f"> {CONCURRENCY / 0.05:.0f}",
            f"closed loop: mean latency = {CONCURRENCY} / throughput (Little's law), and p99 >= mean; homeFeed's CPU"
            f" ceiling here, counting only workers + PostgreSQL: {cores} cores / {server_ms:.2f} ms ="
            f" {cores * 1000 / server_ms:.0f} req/s",
            "(info)",
            "-",
        ),
        (
            "  what 5x naive needs (req/s)",
            f">= {5 * m['naive'][heavy]['throughput_per_s']:.0f}",
            f"GET /healthz (no database, no GraphQL) on the same server: "
            f"{m['ceiling']['healthz']['throughput_per_s']:.0f} req/s",
            "(info)",
            "-",
        ),
        (
            f"  homeFeed over HTTP, {heavy}, paced at {paced['offered_per_s']:.0f} req/s: p50 / p99 (ms)",
            f"{paced['latency_ms']['p50']:.1f} / {paced['latency_ms']['p99']:.1f}",
            f"open loop, half the closed-loop capacity, {CONCURRENCY} clients, {paced['achieved_per_s']:.0f} req/s "
            f"achieved, {paced['errors']} errors",
            "(info)",
            "-",
        ),
    ]


def flatness_and_fanout_rows(m: dict[str, Any], judged: dict[str, Any]) -> list[Row]:
    light, heavy = m["groups"]
    one, fan = m["one"], m["one"]["fan_out_ms"]
    h_light, h_heavy = m["http"][light]["throughput_per_s"], m["http"][heavy]["throughput_per_s"]
    return [
        (
            f"homeFeed throughput, {light} vs {heavy}",
            f"{judged['spread']:.1%} apart",
            f"{h_light:.0f} vs {h_heavy:.0f} req/s",
            "<= 15%",
            verdict(judged["checks"]["flat_within_15pct"]),
        ),
        (
            f"fan-out of 1 post to {one['receivers']:,} followers: p50 / max (ms)",
            f"{fan['p50']:.0f} / {fan['max']:.0f}",
            f"{one['repetitions']} reps, batches of {one['batch_size']}; follower query p50 "
            f"{one['follower_query_ms']['p50']:.0f} ms",
            "< 1000",
            verdict(judged["checks"]["fanout_under_1s"]),
        ),
    ]


def supporting_rows(m: dict[str, Any]) -> list[Row]:
    """In-process page cost, the HTTP stack's ceiling, the timeline fill rate."""
    inproc, ceiling, fill = m["inproc"], m["ceiling"], m["fill"]
    rows: list[Row] = [
        (
            f"  in-process page, {name}: selector+loaders / whole GraphQL p50 (ms)",
            f"{inproc[name]['selector_and_loaders_ms']['p50']:.2f}"
            f" / {inproc[name]['graphql_in_process_ms']['p50']:.2f}",
            "one thread, no HTTP (supporting figure)",
            "-",
            "-",
        )
        for name in m["groups"]
    ]
    for key, label in (("healthz", "GET /healthz"), ("trivial_graphql", "anonymous { feedService { name } }")):
        rows.append(
            (
                f"  HTTP ceiling, {label} (req/s)",
                f"{ceiling[key]['throughput_per_s']:.0f}",
                f"same {m['clients']} and server; p50 / p99 {ceiling[key]['latency_ms']['p50']:.1f} / "
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
    return rows


def table_rows(m: dict[str, Any], judged: dict[str, Any]) -> list[Row]:
    return [
        *http_rows(m, judged),
        *like_for_like_rows(m),
        *headroom_rows(m),
        *flatness_and_fanout_rows(m, judged),
        *supporting_rows(m),
    ]


def results_json(m: dict[str, Any], judged: dict[str, Any], *, mode: str) -> dict[str, Any]:
    machine = m["machine"]
    return {
        "mode": mode,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": machine["pg_version"],
            "cpu_reference_seconds": [machine["cpu_reference_start"], cpu_seconds_reference()],
            "load_average_start": machine["load_start"],
            "load_average_during_load": m["load_mid"],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "sizes": {**m["size"], **m["data"]},
        "server": m["server_label"],
        "load_generator": m["clients"],
        "timeline_fill": m["fill"],
        "fanout_one_post": m["one"],
        "http_home_feed": m["http"],
        "naive_sql": m["naive"],
        "naive_over_http": m["naive_http"],
        "paced_heavy": m["paced"],
        "in_process": m["inproc"],
        "http_ceiling": m["ceiling"],
        "naive_plans": m["plans"],
        "homefeed_equals_naive_page": m["agreement"],
        "naive_server_equals_naive_page": m["naive_agreement"],
        "checks": judged["checks"],
        "throughput_ratio_heavy": round(judged["ratio"], 2),
        "throughput_spread": round(judged["spread"], 4),
        "server_log_tail": m["server_log"],
    }


def markdown(m: dict[str, Any], results: dict[str, Any], rows: list[Row]) -> str:
    size = m["size"]
    header = "| measure | value | baseline / context | target | result |\n|---|---|---|---|---|\n"
    body = "".join(f"| {' | '.join(row)} |\n" for row in rows)
    return (
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
        f" is the whole GraphQL request over HTTP ({m['server_label']}, SOCIALAPP_SERVICES=feed, DATABASE_POOL=true"
        " as the feed Deployment runs: ADR 0011, a connection pool per process); the closed-loop load generator"
        f" ({m['clients']}) shares the machine's 2 cores with the server, PostgreSQL and Redis.\n\n"
        + f"homeFeed page equal to the naive query's page (ids, in order): {m['agreement']}; the fan-out-on-read"
        f" server's page equal to it: {m['naive_agreement']}\n\n"
        + "Like for like: `bench/naive_home.py` serves the same GraphQL homeFeed (same schema, authentication,"
        " hydration) with the page's ids from the naive query instead of the timeline, under the same server"
        " settings. Paced: an open-loop schedule (httpx threads) at half the measured capacity, latency counted from"
        " each request's scheduled time.\n\n"
        + "".join(
            f"Naive query plan, a reader with {name} (EXPLAIN ANALYZE):\n\n```\n"
            + "\n".join(m["plans"][name])
            + "\n```\n\n"
            for name in m["groups"]
        )
        + f"Machine: {results['machine']}\n"
    )


def write(m: dict[str, Any], results_dir: Path, *, quick: bool) -> bool:
    """Print the table, write feed.json and feed.md (feed.quick.* when quick); True when every
    target passes."""
    judged = checks(m)
    rows = table_rows(m, judged)
    print(text_table(rows))
    results = results_json(m, judged, mode="quick" if quick else "full")
    suffix = ".quick" if quick else ""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"feed{suffix}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (results_dir / f"feed{suffix}.md").write_text(markdown(m, results, rows))
    return all(judged["checks"].values())
