"""Prometheus metrics: HTTP traffic, the outbox backlog and consumer progress."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

HTTP_REQUESTS = Counter(
    "socialapp_http_requests_total",
    "HTTP requests answered, by method, route pattern and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "socialapp_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
EVENTS_PUBLISHED = Counter(
    "socialapp_events_relayed_total",
    "Outbox events confirmed delivered to Kafka by the relay, by database alias.",
    ["alias"],
)
EVENTS_HANDLED = Counter(
    "socialapp_events_handled_total",
    "Events handled by a consumer, by consuming app and outcome (ok, duplicate, dead_letter, skipped).",
    ["consumer", "outcome"],
)
CONSUMER_LAG = Gauge(
    "socialapp_consumer_lag_messages",
    "Messages between a consumer's position and the partition's high watermark.",
    ["consumer", "topic", "partition"],
)


class OutboxBacklogCollector(Collector):
    """Counts undelivered outbox rows of each database this process serves, at scrape time."""

    def describe(self) -> Iterable[Metric]:
        # Without describe() the registry would call collect() (a query) at registration.
        yield GaugeMetricFamily("socialapp_outbox_backlog", "", labels=["alias"])

    def collect(self) -> Iterable[Metric]:
        from socialapp.eventing.outbox import outbox_backlog

        family = GaugeMetricFamily(
            "socialapp_outbox_backlog",
            "Outbox rows committed but not yet delivered, by database alias.",
            labels=["alias"],
        )
        for alias, count in outbox_backlog().items():
            family.add_metric([alias], count)
        yield family


_backlog_collector_registered = False


def register_outbox_backlog_collector() -> None:
    global _backlog_collector_registered
    if not _backlog_collector_registered:
        REGISTRY.register(OutboxBacklogCollector())
        _backlog_collector_registered = True
