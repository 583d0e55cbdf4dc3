"""What the Kubernetes base says each process runs, read from the manifests themselves.

The one-machine stack takes every process's command, arguments and environment from the
Deployments (and the ConfigMap they load), and the gateway's routes from the Istio
VirtualService, so the local layout cannot drift from the deployed one. Only what must
differ on one machine (ports, hosts, credentials) is overridden, by the stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"


@dataclass(frozen=True)
class Workload:
    """One Deployment's container: what it runs and the environment it sets itself."""

    name: str
    app_label: str
    component: str  # "api" for the HTTP servers, else the worker's kind
    command: list[str]
    env: dict[str, str]
    grace_seconds: int
    readiness_path: str | None  # the HTTP readiness probe's path, if it has one


@dataclass(frozen=True)
class Route:
    """One VirtualService http route: its matches and either a destination or a direct response."""

    name: str
    exact: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    destination: str | None = None  # a Service's name
    timeout: str | None = None
    direct_status: int | None = None
    direct_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)


# Route fields that change what a request gets and that the local gateway does not model:
# generating a gateway without them would silently differ from the mesh, so they fail loudly.
UNSUPPORTED_ROUTE_FIELDS = {"rewrite", "redirect", "mirror", "fault", "delegate"}


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)]


def _all_documents(base: Path) -> list[dict[str, Any]]:
    return [doc for path in sorted(base.rglob("*.yaml")) for doc in _documents(path)]


def config_map(base: Path = BASE) -> dict[str, str]:
    """The `socialapp-config` ConfigMap's data, every process's shared settings."""
    for doc in _all_documents(base):
        if doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] == "socialapp-config":
            return {str(key): str(value) for key, value in (doc.get("data") or {}).items()}
    raise LookupError(f"no socialapp-config ConfigMap under {base}")


def workloads(base: Path = BASE) -> list[Workload]:
    """Every Deployment of the base, in file order (services first, then workers)."""
    found = []
    for doc in _all_documents(base):
        if doc.get("kind") != "Deployment":
            continue
        spec = doc["spec"]["template"]["spec"]
        container = spec["containers"][0]
        labels = doc["spec"]["template"]["metadata"].get("labels", {})
        env = {item["name"]: str(item["value"]) for item in container.get("env", []) if "value" in item}
        probe = container.get("readinessProbe", {}).get("httpGet")
        found.append(
            Workload(
                name=doc["metadata"]["name"],
                app_label=str(labels.get("app", doc["metadata"]["name"])),
                component=str(labels.get("app.kubernetes.io/component", "")),
                command=[str(part) for part in [*container.get("command", []), *container.get("args", [])]],
                env=env,
                grace_seconds=int(spec.get("terminationGracePeriodSeconds", 30)),
                readiness_path=str(probe["path"]) if probe else None,
            )
        )
    return found


def service_selectors(base: Path = BASE) -> dict[str, str]:
    """Service name -> the `app` label of the pods it sends to."""
    return {
        doc["metadata"]["name"]: str(doc["spec"]["selector"]["app"])
        for doc in _all_documents(base)
        if doc.get("kind") == "Service" and "app" in (doc.get("spec", {}).get("selector") or {})
    }


def virtual_service_routes(base: Path = BASE) -> list[Route]:
    """The public VirtualService's http routes, in the order Istio tries them."""
    path = base / "istio" / "virtualservice.yaml"
    services = [doc for doc in _documents(path) if doc.get("kind") == "VirtualService"]
    if len(services) != 1:
        raise LookupError(f"expected one VirtualService in {path}, found {len(services)}")
    routes = []
    for index, http in enumerate(services[0]["spec"].get("http", [])):
        name = str(http.get("name", f"route-{index}"))
        unsupported = UNSUPPORTED_ROUTE_FIELDS & set(http)
        if unsupported:
            raise ValueError(f"route {name!r} uses {sorted(unsupported)}, which the local gateway does not model")
        route = Route(name=name, timeout=http.get("timeout"))
        for match in http.get("match") or [{"uri": {"prefix": "/"}}]:
            uri = match.get("uri", {})
            if set(match) - {"uri"} or set(uri) - {"exact", "prefix"}:
                raise ValueError(f"route {name!r} matches on {match}, the local gateway knows uri exact/prefix only")
            if "exact" in uri:
                route.exact.append(str(uri["exact"]))
            if "prefix" in uri:
                route.prefixes.append(str(uri["prefix"]))
        destinations = http.get("route") or []
        if len(destinations) > 1:
            raise ValueError(f"route {name!r} splits traffic, the local gateway sends it to one host")
        if destinations:
            route = _with(route, destination=str(destinations[0]["destination"]["host"]))
        if "directResponse" in http:
            direct = http["directResponse"]
            route = _with(
                route,
                direct_status=int(direct["status"]),
                direct_body=str((direct.get("body") or {}).get("string", "")),
                response_headers={
                    str(k): str(v) for k, v in (http.get("headers", {}).get("response", {}).get("set") or {}).items()
                },
            )
        routes.append(route)
    return routes


def _with(route: Route, **changes: Any) -> Route:
    fields = {**route.__dict__, **changes}
    return Route(**fields)
