"""docker-compose offers the split: docker-compose.services.yml (on top of docker-compose.yml) runs
the five services as their Kubernetes Deployments do, the workers as theirs do, the web client, and
an nginx gateway whose routes are the VirtualService's. There is no Docker engine here, so the
compose files are checked statically; the gateway's nginx.conf is checked twice: by nginx's own
rules against Istio's for every path the routes name, and by running Debian's nginx with it in
front of stand-in upstreams (what each path reaches, what it answers)."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.kustomize import containers_of, render

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SINGLE = REPO / "docker-compose.yml"
SPLIT = REPO / "docker-compose.services.yml"
GATEWAY_CONF = REPO / "deploy" / "compose" / "gateway" / "nginx.conf"
API_SERVICES = ["auth", "users", "feed", "media", "notifications"]
# VirtualService destination host -> compose service the gateway's upstream of that name reaches.
COMPOSE_NAME = {**{s: s for s in API_SERVICES}, "web": "web-client"}
WORKERS = ["relay", "consume-users", "consume-feed", "consume-media", "consume-notifications", "celery"]

Manifest = dict[str, Any]


@cache
def single() -> Manifest:
    found: Manifest = yaml.safe_load(SINGLE.read_text())
    return found


@cache
def split() -> Manifest:
    found: Manifest = yaml.safe_load(SPLIT.read_text())
    return found


def merged_service(name: str) -> Manifest:
    """A service of the split as compose merges it: `extends`, then the base file, then the override."""
    base = dict(single()["services"].get(name, {}))
    override = split()["services"].get(name, {})
    if "extends" in override:
        assert override["extends"]["file"] == SINGLE.name
        base = dict(single()["services"][override["extends"]["service"]])
    environment = {**base.get("environment", {}), **override.get("environment", {})}
    return {**base, **{k: v for k, v in override.items() if k != "extends"}, "environment": environment}


@cache
def deployments() -> dict[str, Manifest]:
    return {o["metadata"]["name"]: o for o in render(K8S / "base") if o["kind"] == "Deployment"}


def container_env(deployment: Manifest) -> dict[str, str]:
    (container,) = containers_of(deployment)
    return {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}


# --- the compose files ------------------------------------------------------------------------
def test_the_split_leaves_the_single_process_out_and_adds_services_web_client_and_gateway() -> None:
    services = split()["services"]

    assert services["web"] == {"profiles": ["single-process"]}
    assert {*API_SERVICES, "web-client", "gateway"} <= services.keys()
    assert set(services) - {"web", *API_SERVICES, "web-client", "gateway"} <= set(WORKERS)
    for name in services:
        if name not in ("web", "web-client", "gateway") and name not in single()["services"]:
            assert services[name]["extends"]["service"] in single()["services"], name


@pytest.mark.parametrize("service", API_SERVICES)
def test_each_service_runs_as_its_deployment_runs_it(service: str) -> None:
    composed = merged_service(service)
    deployment = deployments()[service]
    (container,) = containers_of(deployment)
    k8s_env = container_env(deployment)

    assert composed["command"] == container["command"]
    assert composed["environment"]["SOCIALAPP_SERVICES"] == service
    for name in ("DATABASE_POOL", "DATABASE_POOL_MAX_SIZE", "MEDIA_PORT"):
        assert composed["environment"].get(name) == k8s_env.get(name), f"{service}: {name}"
    assert composed["environment"]["DATABASE_CONN_MAX_AGE"] == "0", "a pool needs it (ADR 0006)"
    assert composed["environment"]["INTERNAL_TOKEN"], "ports between services need the token"
    assert "build" in composed, "the one image"
    assert composed["healthcheck"]["test"][-1].count("/healthz") == 1
    assert "ports" not in composed, "only the gateway is published"
    # `extends` does not carry depends_on: the service waits for what the single process waits for.
    assert composed["depends_on"] == single()["services"]["web"]["depends_on"]


def process_key(command: list[str]) -> tuple[str, ...]:
    """What a worker process is: `celery`, `relay_outbox`, or `consume <service>`."""
    if command[:1] == ["celery"]:
        return ("celery",)
    if command[:3] == ["python", "manage.py", "consume"]:
        return tuple(command[2:4])
    return tuple(command[2:3])


@pytest.mark.parametrize("worker", WORKERS)
def test_each_worker_serves_what_its_deployment_serves_and_keeps_its_connections(worker: str) -> None:
    composed = merged_service(worker)
    k8s = {process_key(containers_of(d)[0].get("command", [])): container_env(d) for d in deployments().values()}
    k8s_env = k8s.get(process_key(composed["command"]))

    assert k8s_env is not None, f"{worker}: no Deployment runs {composed['command']}"
    assert composed["environment"]["SOCIALAPP_SERVICES"] == k8s_env["SOCIALAPP_SERVICES"]
    # Single layout too: the README's setting for the synchronous workers.
    assert single()["services"][worker]["environment"]["DATABASE_CONN_MAX_AGE"] == "60"
    assert composed["environment"]["DATABASE_CONN_MAX_AGE"] == "60"


def test_consumers_and_the_relay_are_probed_on_their_liveness_endpoint() -> None:
    for worker in WORKERS[:-1]:
        service = single()["services"][worker]
        command = service["command"]
        assert command[command.index("--metrics-port") + 1] == "9100", worker
        assert "/healthz" in service["healthcheck"]["test"][-1], f"{worker}: a stuck loop must fail the check"
        assert "restart" not in service or service["restart"] == "unless-stopped", f"{worker} runs until stopped"


def test_browsers_get_a_public_s3_endpoint_that_minio_publishes() -> None:
    environment = single()["services"]["web"]["environment"]
    public = environment["AWS_S3_PUBLIC_ENDPOINT_URL"]
    default = re.fullmatch(r"\$\{S3_PUBLIC_ENDPOINT_URL:-(http://127\.0\.0\.1:(\d+))\}", public)

    assert default, public
    assert "minio" in environment["AWS_S3_ENDPOINT_URL"]
    assert f"127.0.0.1:{default.group(2)}:9000" in single()["services"]["minio"]["ports"]


def test_the_comments_describe_the_consumers_that_run() -> None:
    text = SINGLE.read_text()

    assert "exits 0" not in text
    assert "consume-auth" not in text
    assert "auth handles no event" in text


def test_the_gateway_publishes_port_8000_in_front_of_every_upstream_it_names() -> None:
    gateway = split()["services"]["gateway"]
    upstreams = dict(re.findall(r"upstream (\S+) \{ server ([\w-]+:\d+); \}", GATEWAY_CONF.read_text()))

    assert gateway["ports"] == ["127.0.0.1:8000:8080"]
    assert re.search(r"listen 8080;", GATEWAY_CONF.read_text())
    assert f"./{GATEWAY_CONF.relative_to(REPO)}:/etc/nginx/nginx.conf:ro" in gateway["volumes"]
    assert set(upstreams) == set(COMPOSE_NAME)
    for host, server in upstreams.items():
        name, port = server.split(":")
        assert name == COMPOSE_NAME[host]
        assert gateway["depends_on"][name] == {"condition": "service_healthy"}
        if host == "web":
            assert port == "8080", "nginx-unprivileged's port (deploy/k8s/base/web/default.conf)"
        else:
            assert "0.0.0.0:" + port in merged_service(name)["command"], f"{name} does not listen on {port}"


# --- the gateway's routes against the VirtualService's ---------------------------------------
@cache
def virtual_service_routes() -> list[Manifest]:
    (vs,) = [o for o in render(K8S / "base") if o["kind"] == "VirtualService"]
    found: list[Manifest] = vs["spec"]["http"]
    return found


def istio_decision(path: str) -> tuple[str, int | str]:
    """("proxy", host) or ("return", status) for the first route that takes `path`."""
    for route in virtual_service_routes():
        for match in route["match"]:
            uri = match["uri"]
            if uri.get("exact") == path or ("prefix" in uri and path.startswith(uri["prefix"])):
                if "route" in route:
                    return ("proxy", route["route"][0]["destination"]["host"])
                return ("return", route["directResponse"]["status"])
    return ("return", 404)


@cache
def nginx_locations() -> list[tuple[str, str, tuple[str, int | str]]]:
    """(modifier, path, decision) of every location of the gateway's server block."""
    found = []
    for modifier, path, body in re.findall(
        r"location\s+(=|\^~)?\s*(\S+)\s*\{(.*?)\}\n", GATEWAY_CONF.read_text(), re.DOTALL
    ):
        proxied = re.search(r"proxy_pass http://(\w+);", body)
        returned = re.search(r"return (\d+)", body)
        decision: tuple[str, int | str] = ("proxy", proxied.group(1)) if proxied else ("return", int(returned.group(1)))  # type: ignore[union-attr]
        found.append((modifier, path, decision))
    return found


def nginx_decision(path: str) -> tuple[str, int | str]:
    """nginx's choice: an exact location, else the longest prefix (no regex locations here)."""
    for modifier, location, decision in nginx_locations():
        if modifier == "=" and location == path:
            return decision
    prefixes = [
        (len(loc), decision)
        for modifier, loc, decision in nginx_locations()
        if modifier != "=" and path.startswith(loc)
    ]
    return max(prefixes)[1] if prefixes else ("return", 404)


def probe_paths() -> list[str]:
    """Every path a route names, and a path inside and just outside each prefix."""
    paths = {"/", "/u/alice", "/assets/app.js", "/graphql/nothing/", "/api/auth/login/", "/ws/feed/"}
    for route in virtual_service_routes():
        for match in route["match"]:
            value = next(iter(match["uri"].values()))
            paths |= {value, value + "x", value.rstrip("/"), value.rstrip("/") + "/x/y"}
    return sorted(p for p in paths if p)


def test_every_path_takes_the_same_route_in_the_gateway_as_in_the_mesh() -> None:
    for path in probe_paths():
        assert nginx_decision(path) == istio_decision(path), path


def test_the_gateway_answers_with_the_virtual_services_bodies() -> None:
    conf = GATEWAY_CONF.read_text()
    for route in virtual_service_routes():
        if "directResponse" in route:
            body = route["directResponse"]["body"]["string"]
            assert f"return {route['directResponse']['status']} '{body}';" in conf, route["name"]


# --- the gateway, running -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class NamedUpstream(http.server.BaseHTTPRequestHandler):
    """Answers with the name of the upstream it stands in for and the path it received."""

    upstream = ""

    def do_GET(self) -> None:
        body = json.dumps({"upstream": self.upstream, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    servers = []
    conf = GATEWAY_CONF.read_text()
    for host, compose_name in COMPOSE_NAME.items():
        handler = type(f"Upstream_{host}", (NamedUpstream,), {"upstream": host})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        conf = re.sub(rf"server {compose_name}:\d+;", f"server 127.0.0.1:{server.server_address[1]};", conf)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="compose-gateway-") as directory:
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        conf = conf.replace("pid /tmp/nginx.pid;", f"pid {directory}/nginx.pid;")
        conf = conf.replace("access_log /dev/stdout;", "access_log off;")
        temp = "".join(
            f"    {kind}_temp_path {directory}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = conf.replace("http {\n", "http {\n" + temp, 1)
        (Path(directory) / "nginx.conf").write_text(conf)
        process = subprocess.Popen(
            [nginx, "-p", directory, "-c", f"{directory}/nginx.conf", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until_listening(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)
            for server in servers:
                server.shutdown()


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    while True:  # nginx either listens or exits; no fixed deadline
        if process.poll() is not None:
            assert process.stderr is not None
            pytest.fail(f"nginx exited: {process.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # a redirect is an answer of its own here


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.build_opener(NoRedirects).open(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_running_gateway_sends_each_path_where_the_mesh_would(gateway: str) -> None:
    for path in probe_paths():
        status, body = fetch(gateway + path)
        kind, expected = istio_decision(path)
        if kind == "proxy":
            assert status == 200, path
            assert json.loads(body) == {"upstream": expected, "path": path}, path
        else:
            assert status == expected, path
            assert ("errors" in json.loads(body)) == (expected == 404), path
