"""Prometheus metrics: HTTP traffic, events relayed and handled, consumer progress.

The outbox backlog is counted at scrape time by `socialapp.eventing.backlog`.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
