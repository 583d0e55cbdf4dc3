"""The gateway's routes (base/istio/virtualservice.yaml) against the paths the services serve,
derived from the code: each service's URL map is built in a subprocess run with
SOCIALAPP_SERVICES=<service> (tests/deploy/served_paths.py), as its Deployment runs it.

Both directions: every public path a service serves takes a route to that service, and every route
to a service matches only paths that service serves. Deliberate exceptions are listed below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from socialapp import settings as app_settings
from tests.deploy.kustomize import render

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SERVICES = list(app_settings.SOCIALAPP_SERVICE_APPS)
WEB = "web"  # the web client's static files (base/web/web.yaml): no Django URL map

# Served, deliberately not routed to a service (the gateway answers them itself):
NOT_PUBLIC = {
    "healthz": 200,  # the edge answers its own health; each service's is its pods' probes
    "readyz": 404,  # for the kubelet only
    "metrics": 404,  # for Prometheus, through the sidecar's metrics merging
    "openapi-schema": 404,  # /api/schema/: each service's partial OpenAPI document, internal
    "graphql": 404,  # /graphql/: the union schema, complete only in the single process (ADR 0019)
    "internal-port": 404,  # /internal/ports/...: service-to-service, over the mesh, with INTERNAL_TOKEN
}
# The single process's web-client fallback (every other path -> index.html): in the split layout
# the web Deployment serves it, checked in test_the_web_client_takes_every_other_path_last.
WEB_CLIENT_ROUTE_NAMES = {"web-client"}

Manifest = dict[str, Any]


@cache
def virtual_service() -> Manifest:
    (found,) = [o for o in render(K8S / "base") if o["kind"] == "VirtualService"]
    return found


def routes() -> list[Manifest]:
    found: list[Manifest] = virtual_service()["spec"]["http"]
    return found


def match_values() -> list[str]:
    return [v for route in routes() for m in route["match"] for v in m["uri"].values()]


@cache
def served() -> dict[str, Manifest]:
    """Service -> {"http": [...], "websocket": [...], "resolves": {match value: bool}}."""

    def listing(service: str) -> Manifest:
        env = {**os.environ, "SOCIALAPP_SERVICES": service}
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.served_paths", service, *match_values()],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result: Manifest = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    with ThreadPoolExecutor(max_workers=2) as pool:  # 2 cores, shared
        return dict(zip(SERVICES, pool.map(listing, SERVICES), strict=True))


def route_for(path: str) -> Manifest:
    """The first route whose match takes `path`, as Istio evaluates them (in order)."""
    for route in routes():
        for match in route["match"]:
            uri = match["uri"]
            if uri.get("exact") == path or ("prefix" in uri and path.startswith(uri["prefix"])):
                return route
    pytest.fail(f"no route for {path}")


def destination(route: Manifest) -> str | None:
    if "route" not in route:
        return None
    (target,) = route["route"]
    host: str = target["destination"]["host"]
    return host


def public_paths(service: str) -> list[Manifest]:
    listing = served()[service]
    http = [p for p in listing["http"] if p["name"] not in NOT_PUBLIC and p["name"] not in WEB_CLIENT_ROUTE_NAMES]
    return [*http, *listing["websocket"]]


@pytest.mark.parametrize("service", SERVICES)
def test_every_public_path_a_service_serves_takes_a_route_to_it(service: str) -> None:
    paths = public_paths(service)

    assert paths, f"{service} serves nothing public"
    for path in paths:
        route = route_for(path["sample"])
        assert destination(route) == service, f"{path['pattern']} ({path['sample']}) goes to route {route['name']}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_to_a_service_matches_only_what_it_serves(service: str) -> None:
    listing = served()[service]
    samples = [p["sample"] for p in public_paths(service)]
    to_service = [route for route in routes() if destination(route) == service]

    assert to_service, f"no route to {service}"
    for route in to_service:
        for match in route["match"]:
            uri = match["uri"]
            if "exact" in uri:
                serves = uri["exact"] in samples or listing["resolves"][uri["exact"]]  # WebSocket or HTTP
                assert serves, f"{route['name']}: {service} does not serve {uri['exact']}"
            else:
                covered = [s for s in samples if s.startswith(uri["prefix"])]
                assert covered, f"{route['name']}: {service} serves nothing under {uri['prefix']}"


def test_no_route_for_a_path_no_service_serves() -> None:
    """The paths the issue found routed to nothing, or to a service without them."""
    for path in ("/api/auth/", "/api/auth/login/", "/ws/", "/ws/feed/", "/api/unknown", "/graphql/nothing/"):
        route = route_for(path)
        assert destination(route) is None, f"{path} is routed to {destination(route)}"
        assert route["directResponse"]["status"] == 404
        assert json.loads(route["directResponse"]["body"]["string"])["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("name", sorted(NOT_PUBLIC))
def test_served_but_not_public_paths_are_answered_by_the_gateway(name: str) -> None:
    (path,) = {p["sample"] for s in SERVICES for p in served()[s]["http"] if p["name"] == name}
    route = route_for(path)

    assert destination(route) is None, f"{path} reaches {destination(route)}"
    assert route["directResponse"]["status"] == NOT_PUBLIC[name]
    body = json.loads(route["directResponse"]["body"]["string"])
    assert ("errors" in body) == (NOT_PUBLIC[name] == 404), "a typed error for what is refused"
    assert route["headers"]["response"]["set"]["content-type"] == "application/json"


def test_the_union_graphql_answer_names_every_service_endpoint() -> None:
    message = json.loads(route_for("/graphql/")["directResponse"]["body"]["string"])["errors"][0]["message"]

    for service in SERVICES:
        assert service in message
    assert destination(route_for("/graphql")) is None


def test_the_web_client_takes_every_other_path_last() -> None:
    last = routes()[-1]

    assert destination(last) == WEB
    assert last["match"] == [{"uri": {"prefix": "/"}}]
    for path in ("/", "/u/alice", "/settings", "/assets/index-1a2b.js", "/favicon.ico"):
        assert destination(route_for(path)) == WEB, path
    for route in routes()[:-1]:
        assert destination(route) != WEB, "the web client is the fallback only"


def test_the_websocket_route_never_times_out_and_uploads_get_longer() -> None:
    (websocket,) = {p["sample"] for p in served()["notifications"]["websocket"]}

    assert route_for(websocket)["timeout"] == "0s", "Istio would cut long-lived sockets"
    assert route_for("/api/media/images")["timeout"] == "120s"


def test_routes_use_only_what_the_local_gateway_generator_reads() -> None:
    """deploy/local generates an nginx config from this file: keep to the shape it reads."""
    allowed_route_keys = {"name", "match", "route", "directResponse", "headers", "timeout"}
    for route in routes():
        assert set(route) <= allowed_route_keys, route["name"]
        assert ("route" in route) != ("directResponse" in route), route["name"]
        for match in route["match"]:
            assert set(match) == {"uri"}
            assert len(match["uri"]) == 1
            assert set(match["uri"]) <= {"prefix", "exact"}
        for target in route.get("route", []):
            assert set(target["destination"]) == {"host", "port"}
