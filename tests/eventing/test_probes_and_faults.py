"""Readiness sees a stuck loop before liveness does, and the drills' fault points arm only when
their variable says so (tests/drills/ kill real processes with them)."""

from __future__ import annotations

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from socialapp.eventing.kafka.faults import RELAY_AFTER_SEND, FaultPoint
from socialapp.eventing.kafka.liveness import Heartbeat, serve_probes
from tests.components import free_port
from tests.eventing.kafka_helpers import wait_until
from tests.eventing.test_self_healing import healthz


def probe(port: int, path: str) -> int:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code
    except httpx.TransportError:
        return 0


def test_readiness_fails_before_liveness_when_a_loop_stops_moving_and_recovers_with_it() -> None:
    loop = Heartbeat("loop")
    port = free_port()
    server = serve_probes(port, "127.0.0.1", [loop], max_age=60, ready_max_age=0.3)
    try:
        assert (probe(port, "/readyz"), healthz(port)) == (200, 200)
        wait_until(lambda: probe(port, "/readyz") == 503, timeout=10, what="readiness to see the stuck loop")
        assert healthz(port) == 200  # not stuck long enough to be restarted
        loop.beat()
        assert probe(port, "/readyz") == 200
        assert probe(port, "/nothing") == 404
    finally:
        server.shutdown()
        server.server_close()


def test_readiness_defaults_to_the_liveness_limit() -> None:
    port = free_port()
    server = serve_probes(port, "127.0.0.1", [Heartbeat()], max_age=60)
    try:
        assert probe(port, "/readyz") == 200
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("value", "times"), [("", 0), ("kill", 1), ("kill:3", 3)])
def test_a_fault_point_arms_only_when_its_variable_is_set(
    monkeypatch: pytest.MonkeyPatch, value: str, times: int
) -> None:
    monkeypatch.setenv(RELAY_AFTER_SEND, value)
    point = FaultPoint(RELAY_AFTER_SEND)
    assert point.remaining == times
    assert point.armed == bool(times)
    if times > 1:
        point.reached()  # not yet the time: the process lives on
        assert point.remaining == times - 1


@pytest.mark.parametrize("value", ["stop", "kill:0", "kill:x", "kill:-1"])
def test_a_fault_point_refuses_what_it_cannot_do(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(RELAY_AFTER_SEND, value)
    with pytest.raises(ImproperlyConfigured, match=RELAY_AFTER_SEND):
        FaultPoint(RELAY_AFTER_SEND)
