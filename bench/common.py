"""What every benchmark shares: its own PostgreSQL databases, statistics and result tables."""

from __future__ import annotations

import math
import os
import platform
import time
from typing import Any
from urllib.parse import urlparse

DATABASE_ALIASES = ("auth", "users", "feed", "media", "notifications")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_socialapp"


def cpu_seconds_reference() -> float:
    """How fast this machine runs plain Python right now: the best of 3 timings of a fixed
    loop (10 million multiply-adds). Results from different days compare only beside it: the
    shared test machine's speed varies from day to day (1.06-1.24 s on 2026-12-01)."""
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(10_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu_seconds(stat_line: str) -> float:
    fields = stat_line.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime


def cpu_snapshot(server_pid: int, postgres_pids: set[int]) -> dict[str, Any]:
    """CPU seconds used so far (Linux /proc): by the server's worker processes (the children of
    `server_pid`), by each of `postgres_pids` (the server's database backends), and by the whole
    machine (busy time, all cores). Two snapshots split a load phase's CPU between them."""
    workers = 0.0
    postgres: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                line = file.read()
        except OSError:  # gone meanwhile
            continue
        parent = int(line.rsplit(")", 1)[1].split()[1])
        if parent == server_pid:
            workers += _process_cpu_seconds(line)
        elif int(entry.name) in postgres_pids:
            postgres[int(entry.name)] = _process_cpu_seconds(line)
    with open("/proc/stat") as file:
        total = [int(x) for x in file.readline().split()[1:]]
    idle = total[3] + total[4]  # idle + iowait
    return {"workers": workers, "postgres": postgres, "machine": (sum(total[:8]) - idle) / _CLOCK_TICKS}


def cpu_per_request_ms(before: dict[str, Any], after: dict[str, Any], requests: int) -> dict[str, float]:
    """Each part's CPU per request over a phase, in ms. A backend that started during the phase
    counts from 0; one that ended during it is lost (a pooled server keeps its backends). The
    machine's figure includes the load generator, Redis and anything else running."""
    postgres = sum(seconds - before["postgres"].get(pid, 0.0) for pid, seconds in after["postgres"].items())
    per_request = 1000 / max(requests, 1)
    return {
        "workers": round((after["workers"] - before["workers"]) * per_request, 3),
        "postgres": round(postgres * per_request, 3),
        "machine": round((after["machine"] - before["machine"]) * per_request, 3),
    }


def setup_django(database_url: str, *, environment: dict[str, str], drop: tuple[str, ...] = ()) -> None:
    """Configure the app for a benchmark (production settings on the bench databases), set
    Django up and migrate the five databases. `environment` adds or overrides variables,
    `drop` unsets some; every alias derives from `database_url`."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "socialapp.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key",
            # Keys are provisioned below, as in production (a server refuses generated ones).
            "JWT_GENERATE_KEYS": "false",
            "EVENTS_START_SWEEPER": "false",
            "RATELIMIT_ENABLE": "false",
            "LOG_LEVEL": "WARNING",
            **environment,
        }
    )
    for name in (*drop, *(f"{alias.upper()}_DATABASE_URL" for alias in DATABASE_ALIASES)):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("jwt_keys", "generate", "--kid", "bench", "--if-missing", verbosity=0)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def server_conninfo(url: str) -> tuple[dict[str, Any], str]:
    parsed = urlparse(url)
    info = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": "postgres",
    }
    if parsed.password:
        info["password"] = parsed.password
    return info, (parsed.path.lstrip("/") or "bench_socialapp")


def bench_database_names(url: str) -> list[str]:
    _, base = server_conninfo(url)
    return [f"{base}_{alias}" for alias in DATABASE_ALIASES]


def ensure_databases(url: str) -> tuple[list[str], str]:
    """Create the five bench databases if missing. Returns (created, server version)."""
    import psycopg

    info, _ = server_conninfo(url)
    created = []
    with psycopg.connect(**info, autocommit=True) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        for name in bench_database_names(url):
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                created.append(name)
    return created, version


def drop_databases(url: str) -> None:
    import psycopg

    info, _ = server_conninfo(url)
    with psycopg.connect(**info, autocommit=True) as conn:
        for name in bench_database_names(url):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def distribution_ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(s * 1000.0 for s in seconds)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "min": round(values[0], 3),
        "p50": round(percentile(values, 0.50), 3),
        "p90": round(percentile(values, 0.90), 3),
        "p99": round(percentile(values, 0.99), 3),
        "max": round(values[-1], 3),
        "mean": round(sum(values) / len(values), 3),
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def text_table(rows: list[tuple[str, ...]]) -> str:
    header = ("measure", "value", "baseline / context", "target", "result")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def machine_facts(pg_version: str, cpu_reference_at_start: float) -> dict[str, Any]:
    """What a result file says of the machine it was measured on; Django must be set up. The CPU
    reference, taken at the start and again now, shows how loaded the machine was."""
    import django

    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "cpu_reference_seconds": [cpu_reference_at_start, cpu_seconds_reference()],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
    }
