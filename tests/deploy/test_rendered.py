"""Every overlay rendered (tests/deploy/kustomize.py, as `kubectl kustomize` would) and checked:
each Kubernetes object against the API schemas of the Kubernetes versions the manifests target
(kubernetes-validate, strict: unknown fields are errors), and the Istio objects, for which no
schema ships here, by what matters in them: ports, principals, the JWKS address and the mesh
setting it needs, hosts. (Routes against the served paths: test_routes.py.)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.deploy.kustomize import containers_of, render

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["dev", "prod"]
ISTIO_GROUPS = ("networking.istio.io/", "security.istio.io/")
GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
API_SERVICES = ["auth", "users", "feed", "media", "notifications"]

Manifest = dict[str, Any]


def target_versions() -> list[str]:
    """The oldest Kubernetes the base says it targets, and the newest schemas available."""
    stated = re.search(r"Targets Kubernetes (\d+\.\d+) or newer", (K8S / "base" / "kustomization.yaml").read_text())
    assert stated, "base/kustomization.yaml states the Kubernetes version it targets"
    return [f"{stated.group(1)}.0", kubernetes_validate.latest_version() + ".0"]


@cache
def rendered(overlay: str) -> tuple[Manifest, ...]:
    return tuple(render(K8S / "overlays" / overlay))


def of_kind(overlay: str, kind: str) -> list[Manifest]:
    return [o for o in rendered(overlay) if o["kind"] == kind]


def one(overlay: str, kind: str, name: str) -> Manifest:
    (found,) = [o for o in of_kind(overlay, kind) if o["metadata"]["name"] == name]
    return found


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kubernetes_object_of_the_overlay_is_valid_for_the_targeted_versions(overlay: str) -> None:
    kubernetes = [o for o in rendered(overlay) if not o["apiVersion"].startswith(ISTIO_GROUPS)]
    istio = [o for o in rendered(overlay) if o["apiVersion"].startswith(ISTIO_GROUPS)]

    assert len(kubernetes) >= 40, "the overlay renders the whole system"
    assert {o["kind"] for o in istio} == {
        "Gateway",
        "VirtualService",
        "DestinationRule",
        "PeerAuthentication",
        "RequestAuthentication",
        "AuthorizationPolicy",
    }
    for version in target_versions():
        for obj in kubernetes:
            where = f"{overlay} {obj['kind']}/{obj['metadata']['name']} on {version}"
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{where}: {error.message} at {list(error.path)}")


def test_the_validator_refuses_what_the_api_server_would() -> None:
    """Strict mode is on: an unknown field and a wrong type fail (the check above can fail)."""
    deployment = dict(one("dev", "Deployment", "auth"))
    version = target_versions()[0]
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    wrong_type = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}

    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_route_reaches_a_service_port_whose_pods_declare_its_target(overlay: str) -> None:
    services = {s["metadata"]["name"]: s for s in of_kind(overlay, "Service")}
    (virtual_service,) = of_kind(overlay, "VirtualService")

    for route in virtual_service["spec"]["http"]:
        for target in route.get("route", []):
            host, port = target["destination"]["host"], target["destination"]["port"]["number"]
            assert host in services, f"{overlay}: route {route['name']} to no Service {host}"
            (service_port,) = [p for p in services[host]["spec"]["ports"] if p["port"] == port]
            assert service_port["appProtocol"] == "http", "Istio must see HTTP (and WebSocket upgrades)"
            pods = [
                d
                for d in of_kind(overlay, "Deployment")
                if selects(services[host]["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
            ]
            assert pods, f"{overlay}: Service {host} selects no Deployment"
            for deployment in pods:
                names = {p["name"] for c in containers_of(deployment) for p in c.get("ports", [])}
                assert service_port["targetPort"] in names, f"{overlay}: {host} targets a port its pods lack"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_principals_in_authorization_policies_are_service_accounts_of_the_pods_they_name(overlay: str) -> None:
    namespace = one(overlay, "Deployment", "auth")["metadata"]["namespace"]
    accounts_in_use = {d["spec"]["template"]["spec"]["serviceAccountName"] for d in of_kind(overlay, "Deployment")}
    accounts = {sa["metadata"]["name"] for sa in of_kind(overlay, "ServiceAccount")}

    for policy in of_kind(overlay, "AuthorizationPolicy"):
        selector = policy["spec"]["selector"]["matchLabels"]
        pods = [d["spec"]["template"]["metadata"]["labels"] for d in of_kind(overlay, "Deployment")]
        assert any(selects(selector, labels) for labels in pods), f"{policy['metadata']['name']} selects no pod"
        for rule in policy["spec"]["rules"]:
            for source in rule["from"]:
                for principal in source["source"]["principals"]:
                    if principal == GATEWAY_PRINCIPAL:
                        continue
                    prefix = f"cluster.local/ns/{namespace}/sa/"
                    assert principal.startswith(prefix), f"{overlay}: {principal} outside {namespace}"
                    account = principal.removeprefix(prefix)
                    assert account in accounts, f"{overlay}: no ServiceAccount {account}"
                    assert account in accounts_in_use, f"{overlay}: no pod runs as {account}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_reaches_every_routed_workload_and_nothing_else_is_open_to_it(overlay: str) -> None:
    (virtual_service,) = of_kind(overlay, "VirtualService")
    routed = {t["destination"]["host"] for r in virtual_service["spec"]["http"] for t in r.get("route", [])}
    open_to_gateway = set()
    for policy in of_kind(overlay, "AuthorizationPolicy"):
        sources = [p for rule in policy["spec"]["rules"] for s in rule["from"] for p in s["source"]["principals"]]
        if GATEWAY_PRINCIPAL in sources:
            selector = policy["spec"]["selector"]["matchLabels"]
            open_to_gateway |= {
                d["metadata"]["name"]
                for d in of_kind(overlay, "Deployment")
                if selects(selector, d["spec"]["template"]["metadata"]["labels"])
            }

    assert open_to_gateway == routed == {*API_SERVICES, "web"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_jwks_address_is_the_auth_service_route_and_every_api_sidecar_may_fetch_it(overlay: str) -> None:
    (authentication,) = of_kind(overlay, "RequestAuthentication")
    (rule,) = authentication["spec"]["jwtRules"]
    jwks = urlparse(rule["jwksUri"])
    auth = one(overlay, "Service", "auth")
    namespace = auth["metadata"]["namespace"]
    (virtual_service,) = of_kind(overlay, "VirtualService")
    routed_to_auth = [
        m["uri"]
        for r in virtual_service["spec"]["http"]
        if any(t["destination"]["host"] == "auth" for t in r.get("route", []))
        for m in r["match"]
    ]
    fetch = one(overlay, "AuthorizationPolicy", "auth-allow-jwks-fetch")["spec"]["rules"]
    (allowed,) = fetch

    assert jwks.scheme == "http", "inside the mesh the sidecars add mutual TLS"
    assert jwks.hostname == f"auth.{namespace}.svc.cluster.local"
    assert (jwks.port or 80) in {p["port"] for p in auth["spec"]["ports"]}
    assert {"exact": jwks.path} in routed_to_auth, "the public JWKS and the mesh's are the same document"
    assert allowed["to"][0]["operation"]["paths"] == [jwks.path]
    fetchers = set(allowed["from"][0]["source"]["principals"])
    for service in API_SERVICES:
        account = one(overlay, "Deployment", service)["spec"]["template"]["spec"]["serviceAccountName"]
        assert f"cluster.local/ns/{namespace}/sa/{account}" in fetchers, f"{service}'s sidecar cannot fetch the JWKS"


def test_the_mesh_lets_sidecars_fetch_the_jwks_in_both_install_paths() -> None:
    """istiod itself cannot reach the JWKS behind STRICT mutual TLS (deploy/k8s/istio-install)."""
    install = K8S / "istio-install"
    (operator,) = [d for d in yaml.safe_load_all((install / "istio-operator.yaml").read_text()) if d]
    values = yaml.safe_load((install / "istiod-values.yaml").read_text())

    assert operator["kind"] == "IstioOperator"
    assert operator["spec"]["values"]["pilot"]["env"]["PILOT_JWT_ENABLE_REMOTE_JWKS"] == "envoy"
    assert values["pilot"]["env"]["PILOT_JWT_ENABLE_REMOTE_JWKS"] == "envoy"
    (peer,) = of_kind("prod", "PeerAuthentication")
    assert peer["spec"]["mtls"]["mode"] == "STRICT", "the reason the setting is needed"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_public_host_is_served_allowed_and_trusted(overlay: str) -> None:
    (gateway,) = of_kind(overlay, "Gateway")
    (virtual_service,) = of_kind(overlay, "VirtualService")
    config = one(overlay, "ConfigMap", "socialapp-config")["data"]
    hosts = {h for server in gateway["spec"]["servers"] for h in server["hosts"]}

    assert set(virtual_service["spec"]["hosts"]) == hosts
    assert len(hosts) == 1
    (host,) = hosts
    assert host in config["ALLOWED_HOSTS"].split(",")
    assert f"https://{host}" in config["CSRF_TRUSTED_ORIGINS"].split(",")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_an_image_the_overlay_pins(overlay: str) -> None:
    images = {c["image"] for d in rendered(overlay) for c in containers_of(d)}

    assert images, overlay
    for image in images:
        assert image.startswith("registry.example.com/"), f"{overlay}: {image} keeps the base's placeholder"
        assert ":" in image.rsplit("/", 1)[-1], f"{overlay}: {image} has no tag"


def test_the_dev_overlay_hands_browsers_a_public_s3_endpoint() -> None:
    config = one("dev", "ConfigMap", "socialapp-config")["data"]

    internal = urlparse(config["AWS_S3_ENDPOINT_URL"]).hostname
    public = urlparse(config["AWS_S3_PUBLIC_ENDPOINT_URL"])
    assert internal is not None
    assert internal.endswith(".svc.cluster.local"), "the pods reach S3 inside the cluster"
    assert public.scheme == "https"
    assert public.hostname is not None
    assert not public.hostname.endswith(".svc.cluster.local"), "a browser must be able to resolve it"


def secret_keys() -> list[str]:
    lines = (K8S / "secrets.example.env").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]


def test_the_internal_token_is_a_secret_every_service_reads() -> None:
    """Ports between services (socialapp/ports/) need INTERNAL_TOKEN on both sides."""
    keys = secret_keys()

    assert sorted(keys) == sorted(set(keys)), "a key listed twice"
    assert "INTERNAL_TOKEN" in keys
    for overlay in OVERLAYS:
        for service in API_SERVICES:
            (container,) = containers_of(one(overlay, "Deployment", service))
            secrets = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
            assert secrets == ["socialapp-secrets"], f"{overlay} {service}: the token's Secret"
    # The media-only name of ADR 0015's first version is read nowhere any more.
    code = [*(REPO / "socialapp").rglob("*.py"), *(REPO / "apps").rglob("*.py")]
    assert not [path for path in code if "MEDIA_INTERNAL_TOKEN" in path.read_text()]
