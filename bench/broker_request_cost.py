#!/usr/bin/env python
"""What the broker (Tansu) spends per produce and fetch request: the figures behind ADR 0008.

    .venv/bin/python bench/broker_request_cost.py            # 6 settings x 10 s (~1.5 min)
    .venv/bin/python bench/broker_request_cost.py --seconds 5

For each (producer linger.ms, consumer fetch.wait.max.ms) pair it starts a Tansu broker of its
own on a free loopback port, subscribes one consumer, produces one keyed 300-byte message at a
time at --rate messages/s for --seconds (the relay's shape at a steady trickle of commits), and
reads the broker process's CPU time from /proc before and after. It also measures the idle cost
of a consumer alone. The baseline is the first row: the settings before ADR 0008 (2 ms, 10 ms).
Results go to bench/results/broker_request_cost.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from bench.common import cpu_seconds_reference, log  # noqa: E402
from tests.components import TansuBroker  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
# (linger.ms, fetch.wait.max.ms): before ADR 0008, steps between, and the defaults after it.
SETTINGS = [(2, 10), (5, 10), (10, 10), (20, 10), (10, 50), (20, 50)]
IDLE_WAITS = [10, 50, 100]


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BrokerUnderTest:
    """A fresh broker with one 3-partition topic and one subscribed consumer reading it."""

    def __init__(self, fetch_wait_ms: int) -> None:
        self.broker = TansuBroker()
        self.fetch_wait_ms = fetch_wait_ms
        self.consumed = 0
        self.stop = threading.Event()

    def __enter__(self) -> BrokerUnderTest:
        self.broker.start()
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        admin.create_topics([NewTopic("cost", 3, 1)])["cost"].result(30)
        self.consumer = Consumer(
            {
                "bootstrap.servers": self.broker.bootstrap,
                "group.id": "cost",
                "auto.offset.reset": "earliest",
                "fetch.wait.max.ms": self.fetch_wait_ms,
                "max.poll.interval.ms": 10000,
                "session.timeout.ms": 6000,
            }
        )
        self.consumer.subscribe(["cost"])
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        time.sleep(6)  # the group's first join (see INFRA.md)
        return self

    def _read(self) -> None:
        while not self.stop.is_set():
            message = self.consumer.poll(0.1)
            if message is not None and message.error() is None:
                self.consumed += 1

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.reader.join(10)
        self.consumer.close()
        self.broker.stop()

    def cpu(self) -> float:
        assert self.broker.process is not None
        return process_cpu_seconds(self.broker.process.pid)


def measure_stream(linger_ms: int, fetch_wait_ms: int, rate: float, seconds: float) -> dict[str, Any]:
    with BrokerUnderTest(fetch_wait_ms) as under_test:
        producer = Producer(
            {
                "bootstrap.servers": under_test.broker.bootstrap,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": linger_ms,
            }
        )
        cpu_before, started, sent = under_test.cpu(), time.monotonic(), 0
        while (elapsed := time.monotonic() - started) < seconds:
            delay = sent / rate - elapsed
            if delay > 0:
                time.sleep(delay)
            producer.produce("cost", key=str(sent % 50), value=b"x" * 300)
            producer.poll(0)
            sent += 1
        producer.flush(30)
        cpu_share = (under_test.cpu() - cpu_before) / seconds
        time.sleep(0.5)
        consumed = under_test.consumed
    return {
        "linger_ms": linger_ms,
        "fetch_wait_ms": fetch_wait_ms,
        "messages_per_second": round(sent / seconds, 1),
        "broker_cpu_share": round(cpu_share, 4),
        "consumed": consumed,
        "sent": sent,
    }


def measure_idle(fetch_wait_ms: int, seconds: float) -> dict[str, Any]:
    with BrokerUnderTest(fetch_wait_ms) as under_test:
        cpu_before = under_test.cpu()
        time.sleep(seconds)
        return {"fetch_wait_ms": fetch_wait_ms, "broker_cpu_share": round((under_test.cpu() - cpu_before) / seconds, 4)}


def markdown(results: dict[str, Any]) -> str:
    base = results["stream"][0]["broker_cpu_share"]
    out = [
        f"# Broker CPU per request ({results['finished_at']})",
        "",
        "Produced by `bench/broker_request_cost.py`: one producer sending one message at a time at "
        f"{results['rate']:.0f}/s for {results['seconds']:.0f} s, one consumer, a fresh Tansu broker per row; "
        "the broker process's CPU time from /proc. Baseline: the first row (the settings before ADR 0008).",
        "",
        "| producer linger.ms | consumer fetch.wait.max.ms | msg/s | broker CPU (share of a core) | vs baseline |",
        "|---|---|---|---|---|",
    ]
    for row in results["stream"]:
        out.append(
            f"| {row['linger_ms']} | {row['fetch_wait_ms']} | {row['messages_per_second']:.0f} | "
            f"{row['broker_cpu_share']:.1%} | {row['broker_cpu_share'] / base:.2f}x |"
        )
    out += ["", "An idle consumer (nothing produced):", "", "| fetch.wait.max.ms | broker CPU |", "|---|---|"]
    out += [f"| {row['fetch_wait_ms']} | {row['broker_cpu_share']:.1%} |" for row in results["idle"]]
    out += [
        "",
        f"Machine: plain Python speed {results['cpu_reference_seconds']} s (`common.cpu_seconds_reference`); "
        f"{results['broker']}.",
        "",
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each stream (default 10)")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rate": args.rate,
        "seconds": args.seconds,
        "cpu_reference_seconds": [cpu_seconds_reference()],
        "stream": [],
        "idle": [],
    }
    for linger_ms, fetch_wait_ms in SETTINGS:
        row = measure_stream(linger_ms, fetch_wait_ms, args.rate, args.seconds)
        log(f"linger {linger_ms} ms, fetch wait {fetch_wait_ms} ms: broker CPU {row['broker_cpu_share']:.1%}")
        results["stream"].append(row)
    for fetch_wait_ms in IDLE_WAITS:
        row = measure_idle(fetch_wait_ms, min(args.seconds, 5.0))
        log(f"idle consumer, fetch wait {fetch_wait_ms} ms: broker CPU {row['broker_cpu_share']:.1%}")
        results["idle"].append(row)
    results["broker"] = TansuBroker().version()
    results["cpu_reference_seconds"].append(cpu_seconds_reference())
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "broker_request_cost.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS_DIR / "broker_request_cost.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
