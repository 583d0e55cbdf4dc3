"""The ASGI application under a production server (uvicorn), over real HTTP: health,
readiness, metrics, GraphQL per service and their union, request ids in JSON logs, and the
same image serving any subset of the services; and the WSGI application under gunicorn for
the HTTP-only services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.components import free_port
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server, live_wsgi_server

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

SERVICES = ["auth", "users", "feed", "media", "notifications"]


@pytest.fixture(scope="module")
def monolith(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("monolith")) as server:
        yield server


def graphql(server: LiveServer, path: str, query: str) -> dict[str, Any]:
    with server.client() as client:
        response = client.post(path, json={"query": query})
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def test_the_monolith_answers_health_readiness_and_every_schema(monolith: LiveServer) -> None:
    with monolith.client() as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "services": [*SERVICES, "eventtests"]}
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert {name for name, result in checks.items() if result["ok"]} == {
        *(f"database:{alias}" for alias in ALL_DATABASES),
        "redis",
    }

    union = graphql(monolith, "/graphql/", "{ " + " ".join(f"{s}Service {{ name }}" for s in SERVICES) + " }")
    assert union == {"data": {f"{s}Service": {"name": s} for s in SERVICES}}
    for service in SERVICES:
        assert graphql(monolith, f"/graphql/{service}/", f"{{ {service}Service {{ name version }} }}") == {
            "data": {f"{service}Service": {"name": service, "version": "0.1.0"}}
        }


def test_a_service_schema_does_not_answer_for_another_service(monolith: LiveServer) -> None:
    result = graphql(monolith, "/graphql/auth/", "{ feedService { name } }")
    assert "data" not in result or result["data"] is None
    assert result["errors"][0]["message"].startswith("Cannot query field 'feedService' on type 'Query'.")


def nested_query(depth: int) -> str:
    return "{ nested " + "{ child " * (depth - 1) + "{ depth }" + " }" * (depth - 1) + " }"


def test_queries_nested_too_deep_are_refused(monolith: LiveServer) -> None:
    # GRAPHQL_MAX_DEPTH is 10 by default.
    allowed = graphql(monolith, "/graphql/eventtests/", nested_query(10))
    refused = graphql(monolith, "/graphql/eventtests/", nested_query(11))

    assert "errors" not in allowed
    assert refused["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 10."
    assert refused.get("data") is None


def test_malformed_graphql_requests_get_a_clear_400(monolith: LiveServer) -> None:
    with monolith.client() as client:
        not_json = client.post("/graphql/", content=b"{nope", headers={"content-type": "application/json"})
        no_query = client.post("/graphql/", json={})
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["message"] == "POST body sent invalid JSON."
    assert no_query.status_code == 400
    assert no_query.json()["errors"][0]["message"] == "Must provide query string."


def test_request_ids_are_echoed_and_logged_as_json(monolith: LiveServer) -> None:
    with monolith.client() as client:
        given = client.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
        minted = client.get("/healthz")
        hostile = client.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 300})
    assert given.headers["X-Request-ID"] == "trace-abc-123"
    assert len(minted.headers["X-Request-ID"]) == 32
    assert len(hostile.headers["X-Request-ID"]) == 32  # replaced, never echoed

    records = [json.loads(line) for line in monolith.log_lines() if line.startswith("{")]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == "socialapp.access" and r["request_id"] == "trace-abc-123"]
    assert len(access) == 1
    assert access[0]["path"] == "/healthz"
    assert access[0]["status"] == 200


def test_metrics_expose_requests_latency_and_outbox_backlog(monolith: LiveServer) -> None:
    with monolith.client() as client:
        client.get("/healthz")
        body = client.get("/metrics").text
    assert 'socialapp_http_requests_total{method="GET",route="healthz",status="200"}' in body
    assert 'socialapp_http_request_duration_seconds_bucket{le="0.002",method="GET",route="healthz"}' in body
    for alias in ALL_DATABASES:
        assert f'socialapp_outbox_backlog{{alias="{alias}"}}' in body


def test_the_same_image_serves_only_the_configured_services(tmp_path: Path) -> None:
    with live_server(tmp_path, SOCIALAPP_SERVICES="feed") as feed_only, feed_only.client() as client:
        assert client.get("/healthz").json()["services"] == ["feed"]
        assert set(client.get("/readyz").json()["checks"]) == {"database:feed", "redis"}
        assert client.post("/graphql/feed/", json={"query": "{ feedService { name } }"}).status_code == 200
        assert client.post("/graphql/auth/", json={"query": "{ authService { name } }"}).status_code == 404
        union = client.post("/graphql/", json={"query": "{ authService { name } }"}).json()
        assert union["errors"][0]["message"].startswith("Cannot query field 'authService' on type 'Query'.")


def test_the_http_only_services_run_under_a_wsgi_server(tmp_path: Path) -> None:
    with (
        # As deployed: the worker frozen after start-up (the test settings turn that off).
        live_wsgi_server(tmp_path, SOCIALAPP_SERVICES="auth,users,feed", GC_FREEZE_AFTER_STARTUP="true") as api,
        api.client() as client,
    ):
        assert client.get("/healthz").json()["services"] == ["auth", "users", "feed"]
        assert client.get("/readyz").status_code == 200
        feed = client.post(
            "/graphql/feed/", json={"query": "{ feedService { name } }"}, headers={"X-Request-ID": "wsgi-1"}
        )
        assert (feed.status_code, feed.json()) == (200, {"data": {"feedService": {"name": "feed"}}})
        assert feed.headers["X-Request-ID"] == "wsgi-1"
        assert client.post("/graphql/media/", json={"query": "{ mediaService { name } }"}).status_code == 404
        bad = client.post("/graphql/feed/", content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400
        assert "socialapp_http_requests_total" in client.get("/metrics").text
    access = [json.loads(line) for line in api.log_lines() if line.startswith("{") and '"path"' in line]
    assert {"path": "/graphql/feed/", "status": 200, "request_id": "wsgi-1"}.items() <= next(
        entry for entry in access if entry.get("request_id") == "wsgi-1"
    ).items()


@pytest.mark.parametrize("services", ["media", "notifications", "all"])
def test_a_wsgi_server_refuses_the_services_that_need_asgi(tmp_path: Path, services: str) -> None:
    with pytest.raises(RuntimeError, match=r"Serve them with socialapp\.asgi:application"):  # noqa: SIM117
        with live_wsgi_server(tmp_path, SOCIALAPP_SERVICES=services):
            pass


def test_unknown_services_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="SOCIALAPP_SERVICES names unknown services"):  # noqa: SIM117
        with live_server(tmp_path, SOCIALAPP_SERVICES="feed,chat"):
            pass


def test_readiness_fails_when_a_configured_dependency_is_down(tmp_path: Path) -> None:
    closed_port = free_port()
    with live_server(tmp_path, KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{closed_port}") as server, server.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["kafka"]["ok"] is False
    assert ready.json()["checks"]["database:feed"]["ok"] is True


def test_probes_answer_whatever_the_host_header_but_other_routes_check_it(monolith: LiveServer) -> None:
    pod_ip = {"Host": "10.1.2.3:8000"}
    with monolith.client() as client:
        assert client.get("/healthz", headers=pod_ip).status_code == 200
        assert client.get("/readyz", headers=pod_ip).status_code == 200
        assert client.get("/metrics", headers=pod_ip).status_code == 200
        assert client.post("/graphql/", json={"query": "{ feedService { name } }"}, headers=pod_ip).status_code == 400


def test_readiness_leaves_out_the_checks_it_is_told_to(tmp_path: Path) -> None:
    closed_port = free_port()
    env = {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed_port}", "READYZ_SKIP": "kafka,redis"}
    with live_server(tmp_path, **env) as server, server.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert not {"kafka", "redis"} & set(ready.json()["checks"])


def test_websockets_are_served_on_the_enabled_services_routes(monolith: LiveServer) -> None:
    ws_url = monolith.url.replace("http://", "ws://")
    origin = monolith.url.replace("127.0.0.1", "localhost")

    async def talk() -> Any:
        async with websockets.connect(f"{ws_url}/ws/echo/", origin=Origin(origin)) as socket:
            await socket.send(json.dumps({"hello": "world"}))
            return json.loads(await socket.recv())

    assert asyncio.run(talk()) == {"echo": {"hello": "world"}}


def test_websockets_from_a_foreign_origin_or_to_no_route_are_refused(monolith: LiveServer) -> None:
    ws_url = monolith.url.replace("http://", "ws://")

    async def connect(path: str, origin: str) -> None:
        async with websockets.connect(f"{ws_url}{path}", origin=Origin(origin)):
            pass

    with pytest.raises(InvalidStatus) as foreign:
        asyncio.run(connect("/ws/echo/", "https://evil.example.com"))
    assert foreign.value.response.status_code == 403
    logged_before = len(monolith.log_lines())
    for path in ("/ws/nothing/", "/", "/graphql/"):
        with pytest.raises(InvalidStatus) as nowhere:
            asyncio.run(connect(path, "http://localhost"))
        assert nowhere.value.response.status_code == 403
    logged = monolith.log_lines()[logged_before:]
    assert not [line for line in logged if '"level": "ERROR"' in line or "Traceback" in line]


def test_text_that_is_not_unicode_is_refused_before_any_resolver(monolith: LiveServer) -> None:
    body = b'{"query": "query($u: String) { profile(username: $u) { id } }", "variables": {"u": "\\ud800"}}'
    with monolith.client() as client:
        response = client.post("/graphql/users/", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The request contains text that is not valid Unicode."
