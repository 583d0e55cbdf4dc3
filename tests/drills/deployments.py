"""The workers' Deployments (deploy/k8s/base/workers), read for the drills' checks."""

from __future__ import annotations

from typing import Any

import yaml

from tests.drills.workers import ROOT

Manifest = dict[str, Any]

WORKERS = ROOT / "deploy" / "k8s" / "base" / "workers"
# A stop must fit this share of the grace period: the machine running the tests is loaded, and
# a pod's stop also waits for what the process was doing (a batch, a task).
GRACE_SHARE = 1 / 3


def deployments() -> dict[str, Manifest]:
    found = {}
    for path in sorted(WORKERS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document["kind"] == "Deployment":
                found[document["metadata"]["name"]] = document
    return found


def container(deployment: Manifest) -> Manifest:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def base_partitions() -> int:
    config = yaml.safe_load((ROOT / "deploy" / "k8s" / "base" / "configmap.yaml").read_text())
    return int(config["data"]["KAFKA_TOPIC_PARTITIONS"])


def consumer_service(deployment: Manifest) -> str | None:
    command = container(deployment)["command"]
    return str(command[command.index("consume") + 1]) if "consume" in command else None


def grace_seconds(name: str) -> float:
    return float(deployments()[name]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])
