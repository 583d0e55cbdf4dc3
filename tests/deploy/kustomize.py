"""A small offline kustomize: renders deploy/k8s/<dir> the way `kubectl kustomize` does, for the
features these kustomizations use (kubectl is not installed where the tests run). Supported:
`resources` (files and nested kustomizations), `namespace`, `labels` (with includeTemplates),
`images`, and `patches` given inline or by path, either JSON 6902 operations (a YAML list) with a
`target` (kind and a name regex) or a strategic-merge document matched by kind and name (merged
as mappings; a list in such a patch is refused, since kustomize would merge it by key).
Anything else in a kustomization fails loudly instead of rendering something kustomize would not.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def load_documents(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def render(directory: Path) -> list[Manifest]:
    (kustomization,) = load_documents(directory / "kustomization.yaml")
    unknown = set(kustomization) - SUPPORTED_KEYS
    assert not unknown, f"{directory}: kustomization keys this renderer does not know: {unknown}"
    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        objects.extend(render(target) if target.is_dir() else load_documents(target))
    objects = copy.deepcopy(objects)
    for patch in kustomization.get("patches", []):
        apply_patch(directory, patch, objects)
    for image in kustomization.get("images", []):
        set_image(objects, image)
    for label_set in kustomization.get("labels", []):
        add_labels(objects, label_set)
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    return objects


def selected(obj: Manifest, target: Manifest) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    return "name" not in target or re.fullmatch(target["name"], obj["metadata"]["name"]) is not None


def apply_patch(directory: Path, patch: Manifest, objects: list[Manifest]) -> None:
    text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
    body: Any = yaml.safe_load(text)
    if isinstance(body, list):  # JSON 6902 operations on every targeted object
        targets = [obj for obj in objects if selected(obj, patch["target"])]
        assert targets, f"{directory}: patch target {patch['target']} selects nothing"
        for obj in targets:
            for operation in body:
                apply_operation(obj, operation)
        return
    matches = [
        obj for obj in objects if obj["kind"] == body["kind"] and obj["metadata"]["name"] == body["metadata"]["name"]
    ]
    assert len(matches) == 1, f"{directory}: strategic-merge patch {body['kind']}/{body['metadata']['name']}"
    merge(matches[0], body)


def merge(into: Manifest, patch: Manifest) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            assert not isinstance(value, list), f"strategic merge of a list ({key}) is not supported here"
            into[key] = copy.deepcopy(value)


def pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def apply_operation(obj: Manifest, operation: Manifest) -> None:
    *parents, last = pointer(operation["path"])
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    op = operation["op"]
    if isinstance(node, list):
        if op == "add":
            if last == "-":
                node.append(copy.deepcopy(operation["value"]))
            else:
                node.insert(int(last), copy.deepcopy(operation["value"]))
        elif op == "replace":
            node[int(last)] = copy.deepcopy(operation["value"])
        elif op == "remove":
            del node[int(last)]
        else:
            raise AssertionError(f"unsupported JSON patch operation {op}")
    elif op in ("add", "replace"):
        assert op == "add" or last in node, f"replace of a missing {operation['path']}"
        node[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del node[last]
    else:
        raise AssertionError(f"unsupported JSON patch operation {op}")


def containers_of(obj: Manifest) -> list[Manifest]:
    if obj["kind"] not in POD_TEMPLATE_KINDS:
        return []
    spec = obj["spec"]["template"]["spec"]
    found: list[Manifest] = [*spec.get("initContainers", []), *spec["containers"]]
    return found


def set_image(objects: list[Manifest], image: Manifest) -> None:
    for obj in objects:
        for container in containers_of(obj):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                new_name = image.get("newName", name)
                new_tag = image.get("newTag", tag)
                container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def add_labels(objects: list[Manifest], label_set: Manifest) -> None:
    pairs = label_set["pairs"]
    assert not label_set.get("includeSelectors"), "selector labels are not rendered here"
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if label_set.get("includeTemplates") and obj["kind"] in POD_TEMPLATE_KINDS:
            obj["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
