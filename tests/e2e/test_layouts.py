"""The same end-to-end scenario against both layouts: the single process, and the five-service
stack through its nginx gateway (events through Kafka). See conftest.py for the layouts."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from socialapp.localstack import manifests
from socialapp.localstack.gateway import Location, effective_locations
from tests.conftest import ALL_DATABASES
from tests.e2e.conftest import RUNNING_STACKS
from tests.e2e.scenario import bad_input, scenario

# The single process writes into this session's test databases: flushed after each test.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def test_register_follow_upload_post_feed_like_comment_search_and_notifications(base_url: str) -> None:
    outcome = asyncio.run(scenario(base_url))

    alice, bob = outcome["alice"], outcome["bob"]
    kinds = {edge["node"]["kind"] for edge in alice["notifications"]["edges"]}
    assert {"FOLLOW", "LIKE", "COMMENT"} <= kinds
    assert alice["unreadCount"] >= 3
    assert outcome["pushed"]["group"]["kind"].upper() == "LIKE"
    actors = {
        actor["username"]
        for edge in alice["notifications"]["edges"]
        if edge["node"]["kind"] == "LIKE"
        for actor in edge["node"]["actors"]
    }
    assert actors == {outcome["bob_name"]}
    assert bob["unreadCount"] >= 1
    # Where the browser fetched the image from: the single process signs links to itself
    # (/media/images/ on local storage); the stack presigns S3 URLs of its S3 endpoint, which
    # a browser reaches directly, as it would reach the bucket from a cluster.
    stack = RUNNING_STACKS.get(base_url)
    expected_origin = f"http://127.0.0.1:{stack.s3_port}/" if stack else f"{base_url}/media/images/"
    assert outcome["image_url"].startswith(expected_origin), outcome["image_url"]


def errors_of(body: Any) -> list[dict[str, Any]]:
    assert isinstance(body, dict), body
    errors: Any = body.get("errors") or next(
        (payload["errors"] for payload in (body.get("data") or {}).values() if payload and payload.get("errors")), []
    )
    assert isinstance(errors, list)
    return errors


def test_bad_input_gets_typed_errors_and_never_a_5xx(base_url: str) -> None:
    answers = asyncio.run(bad_input(base_url))

    for case, status, body in answers:
        assert status < 500, (case, status, body)
        errors = errors_of(body)
        assert errors, (case, status, body)
        if case == "malformed JSON":
            # graphene-django's own answer (400, a message, no code): typed by its status only.
            continue
        assert all(error.get("code") or (error.get("extensions") or {}).get("code") for error in errors), (case, errors)
    statuses = {case: status for case, status, _ in answers}
    assert statuses["bad token on upload"] == 401
    assert statuses["malformed JSON"] == 400
    assert statuses["not an image"] in {415, 422}  # not an image at all, or one refused for what it holds


def probe_path(location: Location) -> str:
    return location.path if location.modifier == "=" else location.path + "e2e-probe"


def test_the_gateway_routes_every_virtual_service_match_as_the_mesh_does(base_url: str) -> None:
    """Each match that can win in the VirtualService's first-match order, asked through the
    gateway: a direct response as written; a GraphQL route answered by its own service; any
    other path answered as its destination server answers it directly."""
    stack = RUNNING_STACKS.get(base_url)
    if stack is None:
        pytest.skip("the single process has no gateway")
    selectors = manifests.service_selectors()
    with httpx.Client(timeout=30) as client:
        for location in effective_locations(manifests.virtual_service_routes()):
            route, path = location.route, probe_path(location)
            through_gateway = client.get(base_url + path)
            if route.direct_status is not None:
                assert through_gateway.status_code == route.direct_status, (route.name, path)
                assert through_gateway.text == route.direct_body, (route.name, path)
                continue
            app = selectors[route.destination or ""]
            if app not in stack.server_ports:
                # The web client, served from its build (when built): index.html for any client path.
                if (manifests.ROOT / "web" / "dist" / "index.html").exists():
                    assert through_gateway.status_code == 200, (route.name, path)
                    assert through_gateway.headers["content-type"].startswith("text/html"), (route.name, path)
                else:
                    assert through_gateway.status_code == 404, (route.name, path)
                continue
            service_graphql = f"/graphql/{app}/"
            if path.startswith(service_graphql):
                answer = client.post(base_url + service_graphql, json={"query": f"{{ {app}Service {{ name }} }}"})
                assert answer.json() == {"data": {f"{app}Service": {"name": app}}}, (route.name, answer.text)
                continue
            direct = client.get(f"http://127.0.0.1:{stack.server_ports[app]}{path}")
            assert (through_gateway.status_code, through_gateway.headers.get("content-type")) == (
                direct.status_code,
                direct.headers.get("content-type"),
            ), (route.name, path)
