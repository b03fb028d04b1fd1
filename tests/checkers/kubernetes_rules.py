"""API-server rules that the OpenAPI schemas cannot express, for the fields crossdock renders.

The schemas say "string"; the API server's Go validation (k8s.io/apimachinery's
``validation`` package, ``resource.ParseQuantity``) says which strings. These are the
rules a rendered manifest most plausibly breaks: names, port names, label syntax and
quantities. The patterns are the API server's own (DNS-1123 label and subdomain, DNS-1035
label for Services, IANA_SVC_NAME for container port names, qualified names for label keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["rule_errors"]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_LABEL)
_DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?")

_POD_SPEC_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def _name(value: Any, pattern: re.Pattern[str], limit: int, what: str) -> str | None:
    if not isinstance(value, str):
        return None  # the schema reports wrong types
    if len(value) > limit:
        return f"{value!r}: must be no more than {limit} characters ({what})"
    if not pattern.fullmatch(value):
        return f"{value!r}: not a valid {what}"
    return None


def _port_name(value: Any) -> str | None:
    # IANA_SVC_NAME: at most 15, lowercase alphanumerics and '-', a letter, no '--' or edge '-'.
    if not isinstance(value, str):
        return None
    if (len(value) > 15 or not re.fullmatch(r"[-a-z0-9]+", value) or not re.search("[a-z]", value)
            or "--" in value or value.startswith("-") or value.endswith("-")):
        return f"{value!r}: not a valid port name (IANA_SVC_NAME: 1-15 of a-z 0-9 '-', with a letter)"
    return None


def _labels(labels: Any, path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(labels, Mapping):
        return
    for key, value in labels.items():
        prefix, _, name = str(key).rpartition("/")
        if (prefix and _name(prefix, _DNS1123_SUBDOMAIN, 253, "")) or _name(name, _QUALIFIED, 63, ""):
            yield f"{path}.{key}", f"{key!r}: not a valid label key (optional DNS-1123 prefix/, name of 1-63)"
        if isinstance(value, str) and value and _name(value, _QUALIFIED, 63, ""):
            yield f"{path}.{key}", f"{value!r}: not a valid label value (at most 63, alphanumerics, '-', '_', '.')"


def _quantities(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in ("requests", "limits") and isinstance(value, Mapping):
                for resource, amount in value.items():
                    if isinstance(amount, str) and not _QUANTITY.fullmatch(amount):
                        yield f"{sub}.{resource}", f"{amount!r}: not a valid quantity (e.g. 250m, 512Mi, 1)"
            elif key == "sizeLimit" and isinstance(value, str) and not _QUANTITY.fullmatch(value):
                yield sub, f"{value!r}: not a valid quantity"
            else:
                yield from _quantities(value, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _quantities(item, f"{path}[{i}]")


def _pod_spec(spec: Any, path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(spec, Mapping):
        return
    for group in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(group) or []):
            if not isinstance(container, Mapping):
                continue
            at = f"{path}.{group}[{i}]"
            if problem := _name(container.get("name"), _DNS1123_LABEL, 63, "DNS-1123 label"):
                yield f"{at}.name", problem
            for j, port in enumerate(container.get("ports") or []):
                if isinstance(port, Mapping) and "name" in port and (problem := _port_name(port["name"])):
                    yield f"{at}.ports[{j}].name", problem
    # ValidatePodSpec checks a nodeSelector as labels (keys and values).
    yield from _labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for i, volume in enumerate(spec.get("volumes") or []):
        if isinstance(volume, Mapping) and (problem := _name(volume.get("name"), _DNS1123_LABEL, 63,
                                                                 "DNS-1123 label")):
            yield f"{path}.volumes[{i}].name", problem


def _map(node: Any) -> Mapping[str, Any]:
    return node if isinstance(node, Mapping) else {}


def _doc_rules(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    kind = doc.get("kind")
    metadata = _map(doc.get("metadata"))
    name = metadata.get("name")
    if kind == "Service":
        problem = _name(name, _DNS1035_LABEL, 63, "DNS-1035 label (Service names start with a letter)")
    else:
        limit = 52 if kind == "CronJob" else 63 if kind == "Job" else 253
        problem = _name(name, _DNS1123_SUBDOMAIN, limit, "DNS-1123 subdomain")
    if problem:
        yield "metadata.name", problem
    yield from _labels(metadata.get("labels"), "metadata.labels")
    node: Any = doc
    path: list[str] = []
    for key in _POD_SPEC_PATHS.get(str(kind), ()):
        node = _map(node).get(key)
        path.append(key)
    if path:
        yield from _pod_spec(node, ".".join(path))
        template: Any = doc
        for key in path[:-1]:  # the pod template holding that spec
            template = _map(template).get(key)
        labels = _map(_map(template).get("metadata")).get("labels")
        yield from _labels(labels, ".".join([*path[:-1], "metadata.labels"]))
    if kind == "Service":
        for i, port in enumerate(_map(doc.get("spec")).get("ports") or []):
            if isinstance(port, Mapping) and "name" in port and (problem := _name(
                    port["name"], _DNS1123_LABEL, 63, "DNS-1123 label")):
                yield f"spec.ports[{i}].name", problem
    yield from _quantities(doc.get("spec"), "spec")


def rule_errors(doc: Any) -> list[tuple[str, str]]:
    """(path, message) for every API-server rule ``doc`` breaks; [] for a non-mapping."""
    if not isinstance(doc, Mapping):
        return []
    return sorted(set(_doc_rules(doc)))
