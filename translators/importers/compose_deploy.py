"""A compose service's ``deploy`` (and ``restart``): mode, replicas, resources, update, placement, restart.

- ``mode: global`` (one task per node) -> ``mode: per_node``, which takes no replica count.

- ``update_config`` -> ``update``: ``order: start-first`` is a surge of ``parallelism`` new tasks
  (what Swarm does), ``stop-first`` a surge of 0; ``delay`` is ``min_ready``, ``monitor`` the
  ``deadline``, ``failure_action: rollback`` is ``auto_rollback``.  ``rollback_config`` has no
  place of its own in the spec (a rollback uses the update's settings) and is reported.
- placement constraints ``node.labels.<k> == <v>`` -> ``constraints``; ``node.hostname``,
  ``node.platform.os`` and ``node.platform.arch`` -> the well-known Kubernetes node labels;
  spread preferences -> ``spread``.  Anything else (``!=``, roles, ids) is reported.
- ``restart_policy``/``restart`` -> ``restart``; a job's ``max_attempts`` -> ``retries``.
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.compose_context import Context, label_key_ok

_CONSTRAINT = re.compile(r"\s*(node\.labels\.([A-Za-z0-9_./-]+)|node\.hostname|node\.platform\.os|node\.platform\.arch)"
                         r"\s*==\s*(\S.*?)\s*")
_NODE_ATTRIBUTES = {"node.hostname": "kubernetes.io/hostname", "node.platform.os": "kubernetes.io/os",
                    "node.platform.arch": "kubernetes.io/arch"}
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
_LEGACY_RESOURCES = {"cpus": ("limits", "cpu"), "mem_limit": ("limits", "memory"),
                     "mem_reservation": ("requests", "memory")}


def deploy(ctx: Context, at: Path, svc: dict[str, Any], w: dict[str, Any], section: str,
           labels: dict[str, str]) -> None:
    """Fill ``w`` (and ``labels``) from the service's deploy block and restart policy."""
    d: dict[str, Any] = svc["deploy"] if isinstance(svc.get("deploy"), dict) else {}
    path = at + ("deploy",)
    mode = d.get("mode", "replicated")
    if mode == "global-job":
        ctx.loss(path + ("mode",), "a global job runs one task per node; the spec's jobs have no per-node mode: "
                 "imported as a job run once", "changed")
    elif mode == "global":  # one task on every node (that the placement allows)
        w["mode"] = "per_node"
        for key in ("replicas", "scale"):
            where = path + (key,) if key == "replicas" else at + (key,)
            if (d if key == "replicas" else svc).get(key) is not None:
                ctx.loss(where, "a global service runs one task per node: the count is not carried (docker "
                         "refuses replicas with mode global too)")
    replicas = None if mode == "global" else ctx.value(d.get("replicas"), path + ("replicas",))
    if replicas is None and svc.get("scale") is not None and mode != "global":  # the v2 format's count
        replicas = ctx.value(svc["scale"], at + ("scale",))
    if replicas is not None and not 0 <= int(replicas) <= 10_000:
        ctx.loss(path + ("replicas",), f"{replicas} replicas: the spec takes 0 to 10000", "changed")
        replicas = None
    if replicas is not None:
        if section == "jobs":
            if int(replicas) == 0:
                ctx.loss(path + ("replicas",), "a job with 0 replicas never runs: imported with 1", "changed")
            elif int(replicas) != 1:  # Swarm runs a job's replicas at once: completions and parallelism
                w["completions"] = w["parallelism"] = int(replicas)
        elif not (ctx.crossdock and int(replicas) == 1):  # crossdock writes the default out
            w["replicas"] = int(replicas)
    resources = _resources(ctx, path + ("resources",), d.get("resources"))
    for key, (kind, amount) in _LEGACY_RESOURCES.items():  # the v2 format's: deploy.resources wins
        if svc.get(key) is not None and amount not in resources.get(kind, {}):
            read = (units.cpus if amount == "cpu" else units.memory)(ctx.value(svc[key], at + (key,)))
            if read is None:
                ctx.loss(at + (key,), f"cannot read the amount '{svc[key]}'")
            else:
                resources.setdefault(kind, {})[amount] = read
    if resources:
        w["resources"] = resources
    _restart(ctx, at, svc, d, w, section)
    if isinstance(d.get("update_config"), dict) and section == "services":
        w["update"] = _update(ctx, path + ("update_config",), d["update_config"])
    if "rollback_config" in d and not ctx.crossdock:
        ctx.loss(path + ("rollback_config",), "not carried: a rollback uses the update's settings in the spec")
    if isinstance(d.get("placement"), dict):
        placement = _placement(ctx, path + ("placement",), d["placement"])
        if placement:
            w["placement"] = placement
    _deploy_labels(ctx, path + ("labels",), ctx.labels(path + ("labels",), d.get("labels")), labels)
    for key in sorted(set(d) - {"mode", "replicas", "resources", "restart_policy", "update_config",
                                "rollback_config", "placement", "labels"}):
        ctx.loss(path + (key,), f"deploy option '{key}' is not carried")


def _deploy_labels(ctx: Context, path: Path, service: dict[str, str], labels: dict[str, str]) -> None:
    """Compose has labels on the container (``labels``) and on the Swarm service (``deploy.labels``);
    the spec has one set, on every object of the workload: merged, the service's winning."""
    if service and labels and not ctx.crossdock:  # crossdock writes the spec's labels as deploy labels
        ctx.loss(path, "the spec has one set of labels per workload, put on each of its objects (the "
                 "Kubernetes controller and pods, the Swarm service, the Nomad job): these service labels and "
                 "the container labels are merged into it", "changed")
    for key, value in service.items():
        if key in labels and labels[key] != value:
            ctx.loss(path + (key,), f"the container label '{key}' has another value: the service's is kept",
                     "changed")
    labels.update(service)


def _resources(ctx: Context, path: Path, r: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(r, dict):
        return out
    for compose_key, spec_key in (("limits", "limits"), ("reservations", "requests")):
        amounts = r.get(compose_key)
        if not isinstance(amounts, dict):
            continue
        got: dict[str, str] = {}
        for key, value in amounts.items():
            at = path + (compose_key, key)
            read = {"cpus": ("cpu", units.cpus), "memory": ("memory", units.memory)}.get(key)
            if read is None:
                ctx.loss(at, f"resource '{key}' is not carried: the spec has cpu and memory")
                continue
            amount = read[1](ctx.value(value, at))
            if amount:
                got[read[0]] = amount
            else:
                ctx.loss(at, f"cannot read the amount '{value}'")
        if got:
            out[spec_key] = got
    for key in sorted(set(r) - {"limits", "reservations"}):
        ctx.loss(path + (key,), f"resource option '{key}' is not carried")
    return out


def _restart(ctx: Context, at: Path, svc: dict[str, Any], d: dict[str, Any], w: dict[str, Any],
             section: str) -> None:
    policy = d.get("restart_policy") if isinstance(d.get("restart_policy"), dict) else None
    if policy is not None:
        path = at + ("deploy", "restart_policy")
        condition = policy.get("condition", "any")
        attempts = ctx.value(policy.get("max_attempts"), path + ("max_attempts",))
        for key in sorted(set(policy) - {"condition", "max_attempts"}):
            ctx.loss(path + (key,), f"restart option '{key}' is not carried: each platform's back-off applies")
    else:
        restart = svc.get("restart")
        path = at + ("restart",)
        if restart is None:
            return
        name, _, count = str(restart).partition(":")
        condition = {"always": "any", "unless-stopped": "any", "on-failure": "on-failure", "no": "none"}.get(name)
        attempts = int(count) if count.isdigit() else None
        if condition is None:
            ctx.loss(path, f"unknown restart policy '{restart}'")
            return
    if section == "jobs":
        if condition == "on-failure":
            w["restart"] = "on-failure"
            if attempts:
                w["retries"] = int(attempts)
        elif condition == "any":
            ctx.loss(path, "a job restarts only on failure in the spec", "changed")
            w["restart"] = "on-failure"
        return
    if condition == "on-failure":
        w["restart"] = "on-failure"
    elif condition == "none":
        ctx.loss(path, "a service is always restarted in the spec (a one-shot task is a job)", "changed")
    if attempts:
        ctx.loss(path, "a service's restart count is not limited in the spec", "changed")


def _update(ctx: Context, path: Path, u: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    parallelism = int(ctx.value(1 if u.get("parallelism") is None else u["parallelism"], path + ("parallelism",)))
    if parallelism < 1:
        ctx.loss(path + ("parallelism",), "0 (all at once) becomes 1 at a time", "changed")
        parallelism = 1
    out["parallelism"] = parallelism
    out["surge"] = parallelism if u.get("order", "stop-first") == "start-first" else 0
    for key, spec_key in (("delay", "min_ready"), ("monitor", "deadline")):
        if key in u:
            value = units.duration(ctx.value(u[key], path + (key,)))
            if value is None:
                ctx.loss(path + (key,), f"cannot read the duration '{u[key]}'")
            elif not (key == "monitor" and value == "0s"):
                out[spec_key] = value
    if u.get("failure_action") == "rollback":
        out["auto_rollback"] = True
    elif u.get("failure_action") == "continue":
        ctx.loss(path + ("failure_action",), "continue becomes pause: the spec stops a failed update", "changed")
    for key in sorted(set(u) - {"parallelism", "order", "delay", "monitor", "failure_action"}):
        ctx.loss(path + (key,), f"update option '{key}' is not carried")
    defaults = {"parallelism": 1, "surge": 1, "min_ready": "0s", "deadline": "5m"}
    return {k: v for k, v in out.items() if defaults.get(k) != v}


def _placement(ctx: Context, path: Path, p: dict[str, Any]) -> dict[str, Any]:
    constraints: dict[str, str] = {}
    for i, c in enumerate(p.get("constraints") or []):
        m = _CONSTRAINT.fullmatch(str(c))
        if m is None:
            ctx.loss(path + ("constraints", i), f"constraint '{c}' is not carried: the spec has node label "
                     "equality (node.labels.<key> == <value>)")
            continue
        key = m.group(2) or _NODE_ATTRIBUTES[m.group(1)]
        value = m.group(3)
        if not label_key_ok(key):
            ctx.loss(path + ("constraints", i), f"the node label '{key}' is not a valid label key on every "
                     "platform: not carried")
            continue
        constraints[key] = _ARCH.get(value, value) if key == "kubernetes.io/arch" else value
    spread = []
    for i, pref in enumerate(p.get("preferences") or []):
        target = pref.get("spread") if isinstance(pref, dict) else None
        if target == "node.id":
            spread.append("kubernetes.io/hostname")
        elif isinstance(target, str) and target.startswith("node.labels.") and label_key_ok(target[12:]):
            spread.append(target[len("node.labels."):])
        else:
            ctx.loss(path + ("preferences", i), f"preference '{pref}' is not carried")
    for key in sorted(set(p) - {"constraints", "preferences"}):
        ctx.loss(path + (key,), f"placement option '{key}' is not carried")
    out: dict[str, Any] = {}
    if constraints:
        out["constraints"] = constraints
    if spread:
        out["spread"] = spread
    return out
