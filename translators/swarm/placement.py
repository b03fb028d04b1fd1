"""Placement: the spec's node label constraints and spread as Swarm constraints and preferences.

Swarm (swarmkit) checks constraints when the service is created: the key must match
``[a-z_][a-z0-9_.-]+`` (no ``/``) and the value ``[a-z0-9:_.*()?+[]\\^$|/-]`` and white space
(space, tab, CR, LF, FF), case-insensitive, after trimming surrounding white space (swarmkit's
``constraint.Parse``).  Kubernetes' well-known node labels
map to Swarm's own node attributes:

- ``kubernetes.io/hostname`` -> ``node.hostname`` (constraint) and ``node.id`` (spread: one
  group per node);
- ``kubernetes.io/os`` -> ``node.platform.os``;
- ``kubernetes.io/arch`` -> ``node.platform.arch``, whose values are the kernel's
  (``x86_64``, ``aarch64``), so ``amd64`` and ``arm64`` are translated.

Any other label is ``node.labels.<key>``.  A constraint Swarm would refuse (a ``/`` in any
other key, or a value with other characters) is not rendered, and the report says so; spread
has no such rule.
"""

from __future__ import annotations

import re

from crossdock.specs.model import Placement
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report

_KEY = re.compile(r"[a-z_][a-z0-9_.-]+", re.IGNORECASE)
# swarmkit's valuePattern has Go's \s, which is [\t\n\f\r ].
_VALUE = re.compile(r"[a-z0-9:_.*()?+\[\]\\^$|/\t\n\f\r -]+", re.IGNORECASE)
_NODE_ATTRIBUTES = {
    "kubernetes.io/hostname": "node.hostname",
    "kubernetes.io/os": "node.platform.os",
    "kubernetes.io/arch": "node.platform.arch",
}
_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}
_SPREAD = {"kubernetes.io/hostname": "node.id"}


def constraint(key: str, value: str) -> str | None:
    """``node.labels.<key> == <value>`` (or a node attribute); None when Swarm would refuse it."""
    swarm_key = _NODE_ATTRIBUTES.get(key, f"node.labels.{key}")
    if key == "kubernetes.io/arch":
        value = _ARCH.get(value, value)
    if not _KEY.fullmatch(swarm_key) or not _VALUE.fullmatch(value) or value != value.strip():
        return None
    return f"{swarm_key} == {value}"


def spread(key: str) -> str:
    return _SPREAD.get(key, f"node.labels.{key}")


def placement(p: Placement | None, report: Report, at: Path) -> tuple[list[str], list[str]]:
    """(constraints, spread descriptors); notes the constraints that are not rendered."""
    if p is None:
        return [], []
    constraints = []
    for key, value in sorted(p.constraints.items()):
        rendered = constraint(key, value)
        if rendered is None:
            report.note("placement_constraints", at + ("constraints", key))
        else:
            constraints.append(rendered)
    return constraints, [spread(k) for k in p.spread]
