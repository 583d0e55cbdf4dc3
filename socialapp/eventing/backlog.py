"""The outbox backlog as Prometheus gauges, counted at scrape time.

Delivered rows are deleted in both modes, so an outbox table holds only its backlog and the
rows given up on: counting them is cheap and means the same for the relay and in-process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from socialapp.deployment import database_alias_for_app, enabled_app_labels
from socialapp.eventing.handlers import outbox_model


@dataclass
class OutboxCounts:
    pending: int = 0  # committed, not yet delivered: the relay's or the in-process handlers' work
    given_up: int = 0  # in-process only: failed EVENTS_INPROCESS_MAX_ATTEMPTS times, kept for an operator


def outbox_counts() -> dict[str, OutboxCounts]:
    """Pending and given-up rows per database alias of the apps this process serves."""
    counts: dict[str, OutboxCounts] = {}
    for label in enabled_app_labels():
        alias = database_alias_for_app(label)
        if alias is None:
            continue
        found = outbox_model(label)._default_manager.aggregate(
            pending=Count("id", filter=Q(given_up_at__isnull=True)),
            given_up=Count("id", filter=Q(given_up_at__isnull=False)),
        )
        total = counts.setdefault(alias, OutboxCounts())
        total.pending += found["pending"]
        total.given_up += found["given_up"]
    return counts


class OutboxBacklogCollector(Collector):
    def describe(self) -> Iterable[Metric]:
        # Without describe() the registry would call collect() (a query) at registration.
        yield GaugeMetricFamily("socialapp_outbox_backlog", "", labels=["alias"])
        yield GaugeMetricFamily("socialapp_outbox_given_up", "", labels=["alias"])

    def collect(self) -> Iterable[Metric]:
        backlog = GaugeMetricFamily(
            "socialapp_outbox_backlog",
            "Outbox rows committed but not yet delivered, by database alias.",
            labels=["alias"],
        )
        given_up = GaugeMetricFamily(
            "socialapp_outbox_given_up",
            "Outbox rows whose in-process delivery was given up, kept for an operator, by database alias.",
            labels=["alias"],
        )
        for alias, counts in outbox_counts().items():
            backlog.add_metric([alias], counts.pending)
            given_up.add_metric([alias], counts.given_up)
        yield backlog
        yield given_up


_registered = False


def register_outbox_backlog_collector() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(OutboxBacklogCollector())
        _registered = True
