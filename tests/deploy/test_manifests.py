"""Offline checks of the deployment files: Dockerfile, docker-compose.yml and deploy/k8s.

Nothing here talks to a cluster, a registry or a database. The Kubernetes manifests are
read the way kustomize reads them (each kustomization's `resources`, recursively), and
checked for the properties the deployment relies on: probes, resources and a non-root
security context on every pod, one API Deployment per service serving only that service,
commands that exist in this codebase, Services that select pods, mesh routes that reach
Services, and a docker-compose.yml whose app processes all run the one image.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import shlex
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from socialapp import settings as app_settings

Manifest = dict[str, Any]

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"
COMMANDS = REPO / "socialapp" / "management" / "commands"
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"

IMAGE = "socialapp"  # the image name the base manifests use; overlays rename and tag it
WEB_IMAGE = "socialapp-web"  # the web client's static files (the Dockerfile's `web` stage)
SECRET = "socialapp-secrets"
SERVICES: tuple[str, ...] = tuple(app_settings.SOCIALAPP_SERVICE_APPS)
POD_KINDS = ("Deployment", "Job")


# --- loading ------------------------------------------------------------------------------
def load_yaml_documents(path: Path) -> list[Manifest]:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    for doc in documents:
        assert isinstance(doc, dict), f"{path}: a YAML document that is not a mapping"
    return documents


def load_patch_operations(path: Path) -> list[Manifest]:
    operations = yaml.safe_load(path.read_text())
    assert isinstance(operations, list), f"{path}: a JSON 6902 patch is a list of operations"
    return operations


def yaml_files(root: Path) -> list[Path]:
    """Manifests: every YAML file except the JSON 6902 patches kept under `patches/` and Helm
    values files (istio-install/*values.yaml)."""
    return sorted(
        p
        for p in [*root.rglob("*.yaml"), *root.rglob("*.yml")]
        if "patches" not in p.parts and not p.name.endswith("values.yaml")
    )


def patch_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if "patches" in p.parts)


def kustomization_dirs() -> list[Path]:
    return sorted(path.parent for path in K8S.rglob("kustomization.yaml"))


def read_kustomization(directory: Path) -> Manifest:
    (kustomization,) = load_yaml_documents(directory / "kustomization.yaml")
    return kustomization


def resolve_resources(directory: Path) -> list[tuple[Path, Manifest]]:
    """Every object a kustomization includes, following nested kustomizations."""
    found: list[tuple[Path, Manifest]] = []
    for entry in read_kustomization(directory).get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            found.extend(resolve_resources(target))
        else:
            found.extend((target, doc) for doc in load_yaml_documents(target))
    return found


@cache
def base_objects() -> tuple[Manifest, ...]:
    return tuple(doc for _, doc in resolve_resources(BASE))


def objects_of(kind: str) -> list[Manifest]:
    return [doc for doc in base_objects() if doc["kind"] == kind]


def named(kind: str, name: str) -> Manifest:
    matches = [doc for doc in objects_of(kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind} {name!r} in base, found {len(matches)}"
    return matches[0]


def pod_spec(workload: Manifest) -> Manifest:
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Manifest) -> list[Manifest]:
    found: list[Manifest] = pod_spec(workload)["containers"]
    return found


def every_container() -> Iterator[tuple[str, Manifest, Manifest]]:
    """(workload name, workload, container) for every Deployment and Job container."""
    for kind in POD_KINDS:
        for workload in objects_of(kind):
            for container in containers(workload):
                yield f"{kind}/{workload['metadata']['name']}", workload, container


def all_containers() -> Iterator[tuple[str, Manifest, Manifest]]:
    """Every container running this codebase (the socialapp image): all but the web client's."""
    for where, workload, container in every_container():
        if container["image"] != WEB_IMAGE:
            yield where, workload, container


def env_value(container: Manifest, name: str) -> str | None:
    for variable in container.get("env", []):
        if variable["name"] == name:
            value: str = variable["value"]
            return value
    return None


def config_data() -> dict[str, str]:
    data: dict[str, str] = named("ConfigMap", "socialapp-config")["data"]
    return data


def services_selecting(workload: Manifest) -> list[Manifest]:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return [svc for svc in objects_of("Service") if selects(svc["spec"]["selector"], labels)]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


# --- every YAML file ----------------------------------------------------------------------
@pytest.mark.parametrize("path", yaml_files(K8S), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_parses_into_kubernetes_objects(path: Path) -> None:
    documents = load_yaml_documents(path)

    assert documents, f"{path} is empty"
    for doc in documents:
        assert {"apiVersion", "kind"} <= doc.keys(), f"{path}: an object without apiVersion/kind"
        if doc["kind"] != "Kustomization":
            assert doc.get("metadata", {}).get("name"), f"{path}: a {doc['kind']} without a name"


@pytest.mark.parametrize("path", patch_files(K8S), ids=lambda p: str(p.relative_to(K8S)))
def test_every_patch_file_is_a_list_of_operations_used_by_its_kustomization(path: Path) -> None:
    operations = load_patch_operations(path)
    assert operations
    for operation in operations:
        assert operation["op"] in {"add", "remove", "replace", "move", "copy", "test"}, path
        assert operation["path"].startswith("/"), path
    directory = path.parent.parent
    used = {(directory / patch["path"]).resolve() for patch in read_kustomization(directory).get("patches", [])}
    assert path.resolve() in used, f"{path} is not referenced by {directory}/kustomization.yaml"


def test_api_deployments_mount_the_key_ring_signing_only_in_auth() -> None:
    mounted: dict[str, set[str]] = {}
    for patch in read_kustomization(BASE).get("patches", []):
        operations = load_patch_operations(BASE / patch["path"])
        secrets = {op["value"]["secret"]["secretName"] for op in operations if "secret" in op.get("value", {})}
        for name in SERVICES:
            if patch["target"]["kind"] == "Deployment" and re.fullmatch(patch["target"]["name"], name):
                mounted.setdefault(name, set()).update(secrets)

    assert mounted == {
        "auth": {"socialapp-jwt-signing-keys"},
        **{name: {"socialapp-jwt-public-keys"} for name in SERVICES if name != "auth"},
    }


def test_there_is_a_base_and_a_dev_and_a_prod_overlay() -> None:
    assert set(kustomization_dirs()) == {BASE, OVERLAYS / "dev", OVERLAYS / "prod"}


@pytest.mark.parametrize("directory", kustomization_dirs(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_kustomization_names_files_that_exist(directory: Path) -> None:
    kustomization = read_kustomization(directory)

    for entry in kustomization.get("resources", []):
        target = directory / entry
        assert target.is_file() or (target / "kustomization.yaml").is_file(), f"{directory}: missing resource {entry}"
    for patch in kustomization.get("patches", []):
        if "path" in patch:
            assert (directory / patch["path"]).is_file(), f"{directory}: missing patch {patch['path']}"


def test_every_base_file_is_part_of_the_base() -> None:
    included = {path for path, _ in resolve_resources(BASE)}

    orphans = [p for p in yaml_files(BASE) if p.name != "kustomization.yaml" and p.resolve() not in included]

    assert not orphans, f"files in base/ that the kustomization leaves out: {orphans}"


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlay_patches_and_images_target_objects_of_the_base(overlay: str) -> None:
    kustomization = read_kustomization(OVERLAYS / overlay)

    for patch in kustomization.get("patches", []):
        if "target" in patch:
            kind, name = patch["target"]["kind"], patch["target"].get("name", ".*")
        else:
            (doc,) = load_yaml_documents(OVERLAYS / overlay / patch["path"])
            kind, name = doc["kind"], re.escape(doc["metadata"]["name"])
        assert any(doc["kind"] == kind and re.fullmatch(name, doc["metadata"]["name"]) for doc in base_objects()), (
            f"{overlay}: a patch for {kind}/{name} matches nothing in base"
        )
    assert [image["name"] for image in kustomization["images"]] == [IMAGE, WEB_IMAGE]
    for image in kustomization["images"]:
        assert image.get("newTag"), f"{overlay} does not pin a tag of {image['name']}"
    tags = {image["newTag"] for image in kustomization["images"]}
    assert len(tags) == 1, f"{overlay}: the API and the web client are released together"


# --- pods -----------------------------------------------------------------------------------
def test_every_pod_runs_the_one_image_but_the_web_client() -> None:
    images = {where: container["image"] for where, _, container in every_container()}

    assert {image for where, image in images.items() if where != "Deployment/web"} == {IMAGE}
    assert images["Deployment/web"] == WEB_IMAGE


def test_the_web_client_serves_static_files_without_configuration_or_secrets() -> None:
    web = named("Deployment", "web")
    (container,) = containers(web)

    assert "envFrom" not in container, "static files need no settings"
    assert "env" not in container, "static files need no settings"
    assert pod_spec(web)["serviceAccountName"] == "socialapp-web"
    assert [svc["metadata"]["name"] for svc in services_selecting(web)] == ["web"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    (port,) = container["ports"]
    assert port["containerPort"] == 8080, "nginx-unprivileged cannot bind below 1024"
    server = (BASE / "web" / "default.conf").read_text()
    assert "listen 8080;" in server
    assert "location = /healthz" in server
    assert "try_files $uri $uri/ /index.html;" in server, "client-side routes load the application shell"


def test_every_deployment_container_has_a_liveness_probe_and_served_ones_readiness_too() -> None:
    for workload in objects_of("Deployment"):
        serves_traffic = bool(services_selecting(workload))
        for container in containers(workload):
            where = f"Deployment/{workload['metadata']['name']}"
            assert "livenessProbe" in container, f"{where} has no liveness probe"
            if serves_traffic:
                assert "readinessProbe" in container, f"{where} is behind a Service but has no readiness probe"


def test_http_probes_send_a_host_django_allows() -> None:
    allowed = config_data()["ALLOWED_HOSTS"].split(",")

    for where, _, container in all_containers():
        for probe_name in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = container.get(probe_name, {}).get("httpGet")
            if not probe or probe["port"] not in ("http", 8000):
                continue  # only the Django server checks the Host header
            headers = {h["name"].lower(): h["value"] for h in probe.get("httpHeaders", [])}
            assert headers.get("host") in allowed, f"{where} {probe_name}: Host header not in ALLOWED_HOSTS"


def test_api_deployments_are_probed_on_healthz_and_readyz() -> None:
    for service in SERVICES:
        (container,) = containers(named("Deployment", service))

        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_container_declares_cpu_and_memory_requests_and_a_memory_limit() -> None:
    for where, _, container in every_container():
        resources = container.get("resources", {})

        assert {"cpu", "memory"} <= resources.get("requests", {}).keys(), f"{where}: requests"
        assert "memory" in resources.get("limits", {}), f"{where}: memory limit"


def test_every_container_runs_as_non_root_without_privileges_on_a_read_only_root() -> None:
    for where, workload, container in every_container():
        pod_context = pod_spec(workload).get("securityContext", {})
        context = container.get("securityContext", {})

        assert context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True, f"{where}: may run as root"
        assert context.get("runAsUser", pod_context.get("runAsUser", 0)) != 0, f"{where}: runs as uid 0"
        assert context.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation"
        assert context.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: keeps capabilities"
        assert context.get("readOnlyRootFilesystem") is True, f"{where}: writable root filesystem"
        mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{where}: a read-only root needs a writable /tmp"


def test_pods_do_not_mount_kubernetes_api_tokens() -> None:
    for kind in POD_KINDS:
        for workload in objects_of(kind):
            assert pod_spec(workload).get("automountServiceAccountToken") is False, workload["metadata"]["name"]


def test_jobs_opt_out_of_the_sidecar_so_they_can_complete() -> None:
    jobs = objects_of("Job")

    assert {job["metadata"]["name"] for job in jobs} >= {"migrate"}
    for job in jobs:
        annotations = job["spec"]["template"]["metadata"].get("annotations", {})
        assert annotations.get("sidecar.istio.io/inject") == "false", job["metadata"]["name"]


def test_migration_job_migrates() -> None:
    (container,) = containers(named("Job", "migrate"))

    assert container["command"][:3] == ["python", "manage.py", "migrate"]


def test_env_comes_from_the_config_map_and_the_one_secret() -> None:
    config_maps = {doc["metadata"]["name"] for doc in objects_of("ConfigMap")}
    secret_keys = {
        line.split("=", 1)[0]
        for line in (K8S / "secrets.example.env").read_text().splitlines()
        if line and not line.startswith("#")
    }

    for where, _, container in all_containers():
        sources = container.get("envFrom", [])
        assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} <= config_maps, where
        assert [s["secretRef"]["name"] for s in sources if "secretRef" in s] == [SECRET], where
    assert {"SECRET_KEY", "DATABASE_URL"} <= secret_keys
    assert not secret_keys & config_data().keys(), "a key is both secret and in the ConfigMap"
    assert config_data()["DEBUG"] == "false"


def test_only_the_http_servers_pool_connections_and_the_rest_keep_theirs() -> None:
    """ADR 0006: a pool needs DATABASE_CONN_MAX_AGE=0, which the synchronous workers do not run."""
    assert "DATABASE_POOL" not in config_data()
    for name, _workload, container in all_containers():
        pooled = env_value(container, "DATABASE_POOL") == "true"
        max_age = env_value(container, "DATABASE_CONN_MAX_AGE") or config_data()["DATABASE_CONN_MAX_AGE"]
        assert not (pooled and max_age != "0"), f"{name}: a pool with persistent connections is refused"


# --- the five API Deployments -----------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_own_deployment_serving_only_itself(service: str) -> None:
    deployment = named("Deployment", service)
    (container,) = containers(deployment)

    assert env_value(container, "SOCIALAPP_SERVICES") == service
    assert env_value(container, "DATABASE_POOL") == "true"  # ADR 0006: a pool per HTTP process
    assert pod_spec(deployment)["serviceAccountName"] == f"socialapp-{service}"
    named("ServiceAccount", f"socialapp-{service}")
    assert [svc["metadata"]["name"] for svc in services_selecting(deployment)] == [service]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_autoscaled_and_has_a_disruption_budget(service: str) -> None:
    deployment = named("Deployment", service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    autoscaler = named("HorizontalPodAutoscaler", service)
    budget = named("PodDisruptionBudget", service)

    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert budget["apiVersion"] == "policy/v1"
    assert selects(budget["spec"]["selector"]["matchLabels"], labels)


def test_only_the_five_services_have_api_deployments() -> None:
    api = {
        d["metadata"]["name"]
        for d in objects_of("Deployment")
        if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "api"
    }

    assert api == set(SERVICES)


# --- commands -------------------------------------------------------------------------------
def management_commands() -> set[str]:
    """The project's own commands: socialapp's and each service app's."""
    directories = [COMMANDS, *(REPO / "apps").glob("*/management/commands")]
    return {path.stem for directory in directories for path in directory.glob("*.py") if not path.stem.startswith("_")}


def positional_args(args: list[str]) -> list[str]:
    """A command's arguments before its first option."""
    return list(itertools.takewhile(lambda arg: not arg.startswith("--"), args))


def check_command(where: str, command: list[str]) -> None:
    """A command must run this codebase: a management command of ours, the ASGI or WSGI app, Celery."""
    program = command[0]
    if program == "python":
        assert command[1] == "manage.py", f"{where}: {command}"
        assert command[2] in management_commands(), f"{where}: no management command {command[2]!r}"
        if command[2] == "consume":
            assert command[3] in SERVICES, f"{where}: consumes unknown service {command[3]!r}"
        if command[2] == "relay_outbox":
            assert set(positional_args(command[3:])) <= set(SERVICES), f"{where}: relays unknown services"
    elif program in ("gunicorn", "uvicorn"):
        module, _, attribute = command[1].partition(":")
        source = REPO / Path(*module.split(".")).with_suffix(".py")
        assert source.is_file(), f"{where}: {source} does not exist"
        assert re.search(rf"^{attribute} = ", source.read_text(), re.MULTILINE), f"{where}: no {attribute}"
        if "-k" in command:
            worker_class = command[command.index("-k") + 1]
            if "." in worker_class:
                worker_module = worker_class.rsplit(".", 1)[0]
                assert importlib.util.find_spec(worker_module), f"{where}: no worker module {worker_module}"
            else:  # one of gunicorn's own worker classes, by its short name
                assert worker_class in {"sync", "gthread"}, f"{where}: unknown gunicorn worker {worker_class!r}"
    elif program == "celery":
        assert command[1:3] in (["--app", "socialapp"], ["-A", "socialapp"]), f"{where}: {command}"
        assert (REPO / "socialapp" / "celery.py").is_file()
    else:
        pytest.fail(f"{where}: {command} runs nothing of this codebase")


def test_every_container_command_runs_this_codebase() -> None:
    for where, _, container in all_containers():
        assert container.get("command"), f"{where}: relies on the image's default command"
        check_command(where, container["command"])


def test_http_only_services_run_wsgi_and_websocket_and_upload_services_run_asgi() -> None:
    servers = {}
    for where, _, container in all_containers():
        command = container["command"]
        if command[0] == "gunicorn":
            services = {env["name"]: env.get("value") for env in container.get("env", [])}["SOCIALAPP_SERVICES"]
            servers[services] = (where, command[1])

    assert servers == {
        "auth": (servers["auth"][0], "socialapp.wsgi:application"),
        "users": (servers["users"][0], "socialapp.wsgi:application"),
        "feed": (servers["feed"][0], "socialapp.wsgi:application"),
        # Uploads are cut off at the socket by an ASGI middleware; WebSocket is ASGI only.
        "media": (servers["media"][0], "socialapp.asgi:application"),
        "notifications": (servers["notifications"][0], "socialapp.asgi:application"),
    }


def test_consumers_run_for_users_feed_media_and_notifications_and_expose_their_metrics_port() -> None:
    consumers = {}
    for where, workload, container in all_containers():
        command = container["command"]
        if command[:3] == ["python", "manage.py", "consume"]:
            consumers[command[3]] = (where, workload, container)

    assert set(consumers) == {"users", "feed", "media", "notifications"}
    for service, (where, workload, container) in consumers.items():
        command = container["command"]
        port = command[command.index("--metrics-port") + 1]
        assert command[command.index("--metrics-addr") + 1] == "0.0.0.0", f"{where}: metrics only on loopback"
        assert int(port) in {p["containerPort"] for p in container["ports"]}, where
        annotations = workload["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == port, where
        assert env_value(container, "SOCIALAPP_SERVICES") == service


def test_a_relay_deployment_relays_every_outbox() -> None:
    relays = [
        c["command"] for _, _, c in all_containers() if c["command"][:3] == ["python", "manage.py", "relay_outbox"]
    ]

    assert len(relays) == 1
    assert set(positional_args(relays[0][3:])) == set(SERVICES)
    assert relays[0][relays[0].index("--metrics-addr") + 1] == "0.0.0.0"


# --- Services and the mesh ------------------------------------------------------------------
def test_every_service_selects_a_deployment_port_named_for_istio() -> None:
    for service in objects_of("Service"):
        name = service["metadata"]["name"]
        targets = [
            d
            for d in objects_of("Deployment")
            if selects(service["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert targets, f"Service {name} selects no Deployment"
        for port in service["spec"]["ports"]:
            assert port["name"] == "http" or port["name"].startswith("http-"), (
                f"Service {name}: port name {port['name']}"
            )
            for deployment in targets:
                declared = {p["name"] for c in containers(deployment) for p in c.get("ports", [])}
                assert port["targetPort"] in declared, f"Service {name}: no container port {port['targetPort']}"


def service_ports() -> dict[str, set[int]]:
    return {svc["metadata"]["name"]: {p["port"] for p in svc["spec"]["ports"]} for svc in objects_of("Service")}


def virtual_service() -> Manifest:
    (found,) = objects_of("VirtualService")
    return found


def test_every_route_destination_is_a_service_of_the_base() -> None:
    ports = service_ports()

    for route in virtual_service()["spec"]["http"]:
        for target in route.get("route", []):
            destination = target["destination"]
            assert destination["host"] in ports, f"route {route['name']}: no Service {destination['host']}"
            assert destination["port"]["number"] in ports[destination["host"]], f"route {route['name']}: port"


def route_for(path: str) -> Manifest:
    """The first route whose match takes `path`, as Istio evaluates them (in order)."""
    routes: list[Manifest] = virtual_service()["spec"]["http"]
    for route in routes:
        for match in route["match"]:
            uri = match["uri"]
            if uri.get("exact") == path or ("prefix" in uri and path.startswith(uri["prefix"])):
                return route
    pytest.fail(f"no route for {path}")


def destination_of(path: str) -> str | None:
    route = route_for(path)
    if "route" not in route:
        return None
    (target,) = route["route"]
    host: str = target["destination"]["host"]
    return host


@pytest.mark.parametrize(
    ("path", "service"),
    [
        *((f"/graphql/{s}/", s) for s in ("auth", "users", "feed", "media", "notifications")),
        ("/api/token/", "auth"),
        ("/api/token/refresh/", "auth"),
        ("/.well-known/jwks.json", "auth"),
        ("/api/media/images", "media"),
        ("/media/images/0b7e/small-abc.webp", "media"),
        ("/ws/notifications/", "notifications"),
        ("/", "web"),
        ("/u/alice", "web"),
        ("/assets/index-1a2b.js", "web"),
    ],
)
def test_public_paths_reach_the_service_that_serves_them(path: str, service: str) -> None:
    assert destination_of(path) == service


def test_the_union_graphql_endpoint_is_not_routed_to_any_one_service() -> None:
    route = route_for("/graphql/")

    assert destination_of("/graphql/") is None
    assert route["directResponse"]["status"] == 404


def test_the_virtual_service_binds_the_gateway_and_its_hosts() -> None:
    (gateway,) = objects_of("Gateway")
    gateway_hosts = {host for server in gateway["spec"]["servers"] for host in server["hosts"]}

    assert virtual_service()["spec"]["gateways"] == [gateway["metadata"]["name"]]
    assert set(virtual_service()["spec"]["hosts"]) <= gateway_hosts
    assert gateway_hosts <= set(config_data()["ALLOWED_HOSTS"].split(","))


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_an_overlay_that_renames_the_host_allows_it_in_django(overlay: str) -> None:
    directory = OVERLAYS / overlay
    kustomization = read_kustomization(directory)
    hosts: set[str] = set()
    allowed = config_data()["ALLOWED_HOSTS"]
    for patch in kustomization.get("patches", []):
        if patch.get("target", {}).get("kind") in ("Gateway", "VirtualService"):
            for operation in yaml.safe_load(patch["patch"]):
                hosts.update(operation["value"])
        elif "path" in patch:
            (doc,) = load_yaml_documents(directory / patch["path"])
            if doc["kind"] == "ConfigMap":
                allowed = doc["data"].get("ALLOWED_HOSTS", allowed)

    assert hosts <= set(allowed.split(",")), f"{overlay}: public hosts missing from ALLOWED_HOSTS"


def test_every_service_is_reached_over_istio_mutual_tls_and_peers_must_use_it() -> None:
    rules = {rule["spec"]["host"]: rule for rule in objects_of("DestinationRule")}
    (peer,) = objects_of("PeerAuthentication")

    assert set(rules) == set(service_ports())
    for rule in rules.values():
        assert rule["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"
    assert peer["spec"]["mtls"]["mode"] == "STRICT"
    assert "selector" not in peer["spec"], "STRICT must cover the whole namespace"


def test_tokens_are_verified_against_the_auth_services_jwks() -> None:
    (authentication,) = objects_of("RequestAuthentication")
    namespace = read_kustomization(BASE)["namespace"]
    (rule,) = authentication["spec"]["jwtRules"]
    jwks = urlparse(rule["jwksUri"])

    assert jwks.hostname == f"auth.{namespace}.svc.cluster.local"
    assert (jwks.port or 80) in service_ports()["auth"]
    assert jwks.path == "/.well-known/jwks.json"
    assert destination_of(jwks.path) == "auth"
    assert rule["issuer"] == config_data()["JWT_ISSUER"]
    assert rule.get("forwardOriginalToken") is True, "the apps verify the token too"


def test_authorization_policies_admit_the_gateway_and_only_known_service_accounts() -> None:
    namespace = read_kustomization(BASE)["namespace"]
    accounts = {sa["metadata"]["name"] for sa in objects_of("ServiceAccount")}
    principals = [
        principal
        for policy in objects_of("AuthorizationPolicy")
        for rule in policy["spec"]["rules"]
        for source in rule.get("from", [])
        for principal in source["source"].get("principals", [])
    ]

    assert any(p.startswith("cluster.local/ns/istio-system/sa/") for p in principals), "no ingress gateway rule"
    for principal in principals:
        _, _, ns, _, account = principal.split("/")
        if ns == namespace:
            assert account in accounts, f"{principal} is no ServiceAccount of the base"
    for policy in objects_of("AuthorizationPolicy"):
        assert policy["spec"]["action"] == "ALLOW"
        selector = policy["spec"]["selector"]["matchLabels"]
        assert any(selects(selector, d["spec"]["template"]["metadata"]["labels"]) for d in objects_of("Deployment")), (
            f"AuthorizationPolicy {policy['metadata']['name']} selects no workload"
        )


# --- Dockerfile -----------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def dockerfile_stages() -> dict[str, str]:
    """Stage name -> its base image, ARGs resolved."""
    instructions = dockerfile_instructions()
    args = dict(value.split("=", 1) for kind, value in instructions if kind == "ARG" and "=" in value)
    stages = {}
    for kind, value in instructions:
        if kind == "FROM":
            base, _, name = value.split()
            stages[name] = args.get(base.strip("${}"), base)
    return stages


def test_dockerfile_builds_from_python_311_slim_with_the_locked_dependencies() -> None:
    instructions = dockerfile_instructions()
    stages = dockerfile_stages()
    runs = " ".join(value for kind, value in instructions if kind == "RUN")

    assert list(stages)[-1] == "runtime", "the default target (the last stage) is the Python image"
    assert {stages["build"], stages["runtime"]} == {"python:3.11-slim"}
    assert "uv sync --frozen --no-dev" in runs


def test_dockerfile_builds_the_web_client_with_node_20_into_unprivileged_nginx() -> None:
    stages = dockerfile_stages()
    instructions = dockerfile_instructions()
    runs = [value for kind, value in instructions if kind == "RUN"]
    copies = [value for kind, value in instructions if kind == "COPY"]
    ignored = (REPO / ".dockerignore").read_text().split()

    assert stages["web-build"].startswith("node:20")
    assert stages["web"].startswith("nginxinc/nginx-unprivileged:")
    assert any("npm ci" in run for run in runs)
    assert "npm run build" in runs
    assert "--from=web-build /src/web/dist /usr/share/nginx/html" in copies
    assert "--from=web-build /src/web/dist ./web/dist" in copies, "the single process serves it too"
    assert "deploy/k8s/base/web/default.conf /etc/nginx/conf.d/default.conf" in copies
    # What the web stage copies is in the build context; what the host built is not.
    assert {"!docs/graphql", "!deploy/k8s/base/web/default.conf", "web/node_modules", "web/dist"} <= set(ignored)
    package = json.loads((REPO / "web" / "package.json").read_text())
    assert "build" in package["scripts"]
    assert (REPO / "web" / "package-lock.json").is_file(), "npm ci needs the lock file"


def test_dockerfile_runs_as_a_numeric_non_root_user_and_checks_healthz() -> None:
    instructions = dockerfile_instructions()
    users = [value for kind, value in instructions if kind == "USER"]
    (healthcheck,) = [value for kind, value in instructions if kind == "HEALTHCHECK"]

    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    assert int(uid) != 0
    assert ("EXPOSE", "8000") in instructions
    assert "/healthz" in healthcheck


def test_dockerfile_default_command_serves_everything_and_the_deployments_only_change_the_app() -> None:
    (cmd,) = [value for kind, value in dockerfile_instructions() if kind == "CMD"]
    command = json.loads(cmd)
    # The WSGI application in gunicorn's threaded worker, with the image's server options.
    wsgi_command = [command[0], "socialapp.wsgi:application", "-k", "gthread", "--threads", "4", *command[4:]]

    check_command("Dockerfile CMD", command)
    assert command[1:4] == ["socialapp.asgi:application", "-k", "socialapp.asgi_worker.AsgiWorker"]
    for service in SERVICES:
        (container,) = containers(named("Deployment", service))
        expected = command if service in ("media", "notifications") else wsgi_command
        assert container["command"] == expected, f"{service} runs another server than expected"


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())

    assert {".git", ".venv", "var", ".env"} <= ignored


# --- docker-compose.yml ---------------------------------------------------------------------
@cache
def compose() -> Manifest:
    document: Manifest = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


def app_services() -> dict[str, Manifest]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("socialapp")
    }


def compose_command(service: Manifest) -> list[str] | None:
    command = service.get("command")
    if command is None:
        return None
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_compose_app_services_all_run_the_one_image() -> None:
    services = app_services()

    assert len(services) >= 8
    assert len({json.dumps(s.get("build"), sort_keys=True) for s in services.values()}) == 1
    assert len({s.get("image") for s in services.values()}) == 1
    (build,) = {json.dumps(s.get("build"), sort_keys=True) for s in services.values()}
    assert json.loads(build)["context"] == "."


def test_compose_runs_every_process_of_the_system() -> None:
    commands = {name: compose_command(service) for name, service in app_services().items()}
    run = [c for c in commands.values() if c]

    assert None in commands.values(), "the web server (the image's default command) runs"
    for management_command in ("migrate", "create_topics", "relay_outbox"):
        assert any(c[:3] == ["python", "manage.py", management_command] for c in run), management_command
    # Every service that handles events (auth handles none), as in deploy/k8s/base/workers/.
    assert {c[3] for c in run if c[:3] == ["python", "manage.py", "consume"]} == set(SERVICES) - {"auth"}
    assert any(c[0] == "celery" for c in run)
    for name, command in commands.items():
        if command and command[:2] == ["python", "manage.py"]:
            check_command(f"compose {name}", command)


def test_compose_components_are_the_expected_ones_and_healthchecked() -> None:
    images = {name: str(service.get("image", "")) for name, service in compose()["services"].items()}

    assert images["postgres"].startswith("postgres:16")
    assert images["redis"].startswith("redis:7")
    assert "kafka" in images["kafka"]
    kafka_roles = compose()["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert set(kafka_roles.split(",")) == {"broker", "controller"}, "one KRaft node, no ZooKeeper"
    assert "elasticsearch:8." in images["elasticsearch"]
    assert "minio" in images["minio"]
    for component in ("postgres", "redis", "kafka", "elasticsearch", "minio"):
        assert "test" in compose()["services"][component]["healthcheck"], component


def test_compose_dependencies_exist_and_wait_for_health_or_completion() -> None:
    services = compose()["services"]

    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition["condition"] in ("service_healthy", "service_completed_successfully"), name
            if condition["condition"] == "service_healthy":
                assert "test" in services[dependency].get("healthcheck", {}), f"{dependency} has no healthcheck"


def test_compose_configures_every_component_from_the_environment() -> None:
    required = {
        "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "CELERY_BROKER_URL", "ELASTICSEARCH_URL",
        "AWS_S3_ENDPOINT_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    }  # fmt: skip

    for name, service in app_services().items():
        environment = service["environment"]
        assert required <= environment.keys(), f"{name} misses {required - environment.keys()}"
        assert environment["DEBUG"] == "false", name
        assert "localhost" in environment["ALLOWED_HOSTS"].split(","), f"{name}: the healthcheck's Host"


def test_compose_publishes_the_api_on_loopback_only() -> None:
    web = compose()["services"]["web"]

    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert web["environment"]["SOCIALAPP_SERVICES"] == "all"


def test_compose_postgres_init_creates_the_database_of_every_alias() -> None:
    database_url = app_services()["web"]["environment"]["DATABASE_URL"]
    name = urlparse(database_url).path.lstrip("/")
    volumes = compose()["services"]["postgres"]["volumes"]
    (init_dir,) = [v.split(":")[0] for v in volumes if "/docker-entrypoint-initdb.d" in v]
    sql = " ".join(path.read_text() for path in (REPO / init_dir).glob("*.sql"))

    created = set(re.findall(r"CREATE DATABASE (\w+);", sql))

    assert created == {f"{name}_{alias}" for alias in app_settings.DATABASE_ALIASES}
