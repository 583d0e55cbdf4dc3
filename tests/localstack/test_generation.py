"""What runstack generates from the Kubernetes base: the gateway's nginx locations (Istio's
first-match order kept), a configuration nginx accepts, and a Procfile line per Deployment
with that Deployment's command and environment (only ports and hosts changed)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from socialapp.localstack import gateway, manifests
from socialapp.localstack.manifests import Route
from socialapp.localstack.stack import NGINX, LocalStack, StackOptions


def locations(routes: list[Route]) -> list[tuple[str, str, str]]:
    return [(loc.modifier, loc.path, loc.route.name) for loc in gateway.effective_locations(routes)]


def test_a_match_an_earlier_route_catches_is_left_out_as_istio_never_reaches_it() -> None:
    routes = [
        Route("union", exact=["/graphql/"], direct_status=404),
        Route("auth", prefixes=["/graphql/auth/"], destination="auth"),
        Route("unserved", exact=["/graphql/", "/graphql/auth/x"], prefixes=["/graphql/", "/graphql/auth/y"]),
        Route("web", prefixes=["/"], destination="web"),
    ]

    assert locations(routes) == [
        ("=", "/graphql/", "union"),
        ("^~", "/graphql/auth/", "auth"),
        ("^~", "/graphql/", "unserved"),
        ("^~", "/", "web"),
    ]


def test_an_earlier_shorter_prefix_shadows_a_later_longer_one() -> None:
    routes = [Route("all-api", prefixes=["/api/"], destination="auth"), Route("media", prefixes=["/api/media/"])]

    assert locations(routes) == [("^~", "/api/", "all-api")]


def test_a_route_the_gateway_cannot_model_fails_loudly(tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "istio").mkdir(parents=True)
    (base / "istio" / "virtualservice.yaml").write_text(
        "kind: VirtualService\nspec:\n  http:\n    - name: r\n      rewrite: {uri: /}\n"
        "      route: [{destination: {host: auth}}]\n"
    )

    with pytest.raises(ValueError, match="rewrite"):
        manifests.virtual_service_routes(base)


def test_nginx_accepts_the_gateway_generated_from_the_virtual_service(tmp_path: Path) -> None:
    stack = LocalStack(StackOptions(data_dir=tmp_path))
    stack.plan()
    stack.write_files()

    checked = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path / "nginx"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr
    conf = (tmp_path / "nginx.conf").read_text()
    for service, port in stack.server_ports.items():
        assert f"upstream {service} {{\n        server 127.0.0.1:{port};" in conf


def test_each_deployment_runs_its_own_command_and_environment_with_local_ports(tmp_path: Path) -> None:
    stack = LocalStack(StackOptions(data_dir=tmp_path))
    stack.plan()
    stack.write_files()
    procfile = {
        name: shlex.split(command)
        for name, _, command in (
            line.partition(": ")
            for line in (tmp_path / "Procfile").read_text().splitlines()
            if not line.startswith("#")
        )
    }

    deployments = [w for w in manifests.workloads() if w.command]
    assert set(procfile) == {w.name for w in deployments} | {"gateway"}
    for workload in deployments:
        words = procfile[workload.name]
        assert words[:2] == ["exec", "env"]
        for key, value in workload.env.items():
            if not key.endswith("_PORT_URL"):
                assert f"{key}={value}" in words, (workload.name, key)
        # The Deployment's own arguments, in order; only the addresses after these flags are local.
        local_values = {"--bind", "--metrics-port", "--metrics-addr"}
        arguments = workload.command[1:]
        kept = [a for i, a in enumerate(arguments) if i == 0 or arguments[i - 1] not in local_values]
        remaining = iter(words)
        assert all(argument in remaining for argument in kept), (workload.name, kept, words)
        assert not any(w.startswith("0.0.0.0") for w in words), workload.name
    stack_env = dict(line.split("=", 1) for line in (tmp_path / "stack.env").read_text().splitlines())
    for key, value in manifests.config_map().items():
        if key not in stack.local_overrides():
            assert stack_env[key] == value, key
