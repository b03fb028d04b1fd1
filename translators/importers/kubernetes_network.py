"""Services, Ingresses, HorizontalPodAutoscalers and PersistentVolumeClaims -> the workloads'
ports, publishing, routes and autoscaling, and the app's volumes.

A Service is matched to the workloads whose pod labels its selector selects: its ports become
(or name) the workload's container ports, a Service port other than its targetPort the spec
port's ``port`` (the container's becomes ``target_port``); a LoadBalancer or NodePort Service
publishes them.
An Ingress rule becomes the route of the workload behind its backend Service; an HPA the
autoscale block of the workload it scales.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crossdock.translators.importers.kubernetes_kinds import read_claim
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_values import Context, dns_name, valid

_HOST = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SERVICE_DEFAULTS = {"sessionAffinity": "None", "internalTrafficPolicy": "Cluster", "externalTrafficPolicy": "Cluster",
                     "ipFamilyPolicy": "SingleStack", "allocateLoadBalancerNodePorts": True}


@dataclass
class Imported:
    """One controller and the spec workload made of it."""

    m: Manifest
    section: str
    name: str
    w: dict[str, Any]
    pod_labels: dict[str, str]
    service_names: set[str] = field(default_factory=set)


def read_volume_claim(ctx: Context, m: Manifest) -> None:
    name = dns_name(m.name, 63, False)
    volume: dict[str, Any] = {}
    read_claim(ctx, m, (), volume)
    ctx.volumes[name] = volume
    ctx.claims[m.name] = m


def read_service(ctx: Context, m: Manifest, workloads: list[Imported]) -> list[Imported]:
    """Match a Service to its workloads and carry its ports; returns the workloads it selects."""
    selector = m.get("spec", "selector")
    kind = m.get("spec", "type") or "ClusterIP"
    kind = kind if isinstance(kind, str) else "ClusterIP"
    if not isinstance(selector, dict) or not selector:
        ctx.lose(m, ("spec",), "a Service without a selector (external endpoints) has no equivalent in the spec: "
                 "not imported")
        m.use("spec")
        return []
    targets = [i for i in workloads if i.section == "services"
               and all(i.pod_labels.get(str(k)) == str(v) for k, v in selector.items())]
    if not targets:
        ctx.lose(m, ("spec", "selector"), "selects no workload of the manifests: not imported")
        m.use("spec")
        return []
    if len(targets) > 1:
        ctx.lose(m, ("spec", "selector"), "selects several workloads (" + ", ".join(t.name for t in targets)
                 + "): its ports are given to each", "changed")
    for key, value in _SERVICE_DEFAULTS.items():
        if m.data_at("spec", key) == value:
            m.use("spec", key)
    for key in ("clusterIPs", "ipFamilies"):
        m.use("spec", key)
    headless = m.data_at("spec", "clusterIP") == "None"
    m.use("spec", "clusterIP")
    if headless and not any(t.m.kind == "StatefulSet" and t.m.data_at("spec", "serviceName") == m.name
                            for t in targets):
        ctx.lose(m, ("spec", "clusterIP"), "a headless Service is rendered as a Service with a cluster IP",
                 "changed")
    if kind not in ("ClusterIP", "LoadBalancer", "NodePort"):
        ctx.lose(m, ("spec", "type"), f"a {kind} Service has no equivalent in the spec: rendered as ClusterIP",
                 "changed")
    for n, t in enumerate(targets):
        t.service_names.add(m.name)
        crossdock_names = {t.name, f"{t.name}-public", f"{t.name}-headless"}
        if headless and t.m.kind == "StatefulSet":
            _pod_names(ctx, m, t, workloads)
        elif m.name not in crossdock_names:
            _alias(ctx, m, t, first=n == 0, public=kind in ("LoadBalancer", "NodePort"))
        for i, p in enumerate(m.list_at("spec", "ports")):
            if isinstance(p, dict) and _port_number(p.get("port")) and (
                    _port_number(p.get("targetPort")) or isinstance(p.get("targetPort"), (str, type(None)))):
                _port(ctx, m, i, p, t, kind, workloads)
    return targets


def _pod_names(ctx: Context, m: Manifest, t: Imported, workloads: list[Imported]) -> None:
    """A StatefulSet's pods are reached as <pod>.<its headless Service>: crossdock's headless
    Service is <workload>-headless, so those names change (the spec has no per-pod names)."""
    new = f"{t.name}-headless"
    if m.name == new:
        return
    users = _env_users(rf"{re.escape(t.m.name)}-[0-9]+\.{re.escape(m.name)}(?![-a-z0-9])", workloads)
    ctx.lose(m, ("metadata", "name"), f"the pods of '{t.m.name}' were reached as {t.m.name}-0.{m.name}...; "
             f"crossdock's headless Service is '{new}', so they answer as {t.name}-0.{new}: names that use "
             f"the old ones{users} must change", "changed")


def _alias(ctx: Context, m: Manifest, t: Imported, first: bool, public: bool) -> None:
    """A Service named otherwise than its workload: clients use its name, so the workload answers
    to it too (a spec alias); one workload only, as one Service name reaches one set of pods."""
    if not first:
        ctx.lose(m, ("metadata", "name"), f"the name '{m.name}' is an alias of the first workload it selects only: "
                 f"'{t.name}' does not answer to it", "changed", f"services.{t.name}.aliases")
        return
    aliases: list[str] = t.w.setdefault("aliases", [])
    if m.name not in aliases:
        aliases.append(m.name)
    if public:
        ctx.lose(m, ("metadata", "name"), f"crossdock renders the published ports of '{t.name}' as the Service "
                 f"'{t.name}-public'; inside the app the workload answers as '{t.name}' and '{m.name}' (an alias)",
                 "changed")


def _port(ctx: Context, m: Manifest, i: int, p: dict[str, Any], t: Imported, kind: str,
          workloads: list[Imported]) -> None:
    path = ("spec", "ports", i)
    for key in ("name", "port", "targetPort", "protocol"):
        m.use(*path, key)
    number, target = p["port"], p.get("targetPort", p["port"])
    protocol = str(p["protocol"]).lower() if isinstance(p.get("protocol"), str) else "tcp"
    ports: list[dict[str, Any]] = t.w.setdefault("ports", [])
    match = next((q for q in ports if (q["name"] == target if isinstance(target, str) else _inside(q) == target)
                  and q.get("protocol", "tcp") == protocol), None)
    if match is None and isinstance(target, int):
        if any(q["port"] == target and q.get("protocol", "tcp") == protocol for q in ports):
            ctx.lose(m, (*path, "targetPort"), f"the workload '{t.name}' is already reached on {target} through "
                     "another Service: not imported", "dropped", f"services.{t.name}.ports")
            return
        taken = {q["name"] for q in ports}
        name = dns_name(p["name"], 15, True) if isinstance(p.get("name"), str) else f"port-{target}"
        if name in taken:
            name = f"port-{target}-{protocol}"
        match = {"name": name, "port": target}
        if protocol != "tcp":
            match["protocol"] = protocol
        ports.append(match)
    if match is None:
        ctx.lose(m, (*path, "targetPort"), f"names no port of the workload '{t.name}': not imported", "dropped",
                 f"services.{t.name}.ports")
        return
    container = _inside(match)
    if isinstance(p.get("name"), str) and match["name"] == f"port-{container}":  # only the Service named it
        match["name"] = dns_name(p["name"], 15, True)
    if kind in ("LoadBalancer", "NodePort"):
        published = p.get("nodePort") if kind == "NodePort" else number
        if kind == "NodePort":
            m.use(*path, "nodePort")
            if published is None:
                ctx.lose(m, path, "a NodePort Service's port is chosen by Kubernetes: published on the container "
                         "port instead", "changed", f"services.{t.name}.ports")
        match["publish"] = True
        if _port_number(published) and published != container:
            match["published_port"] = published
    if number == match["port"] or (kind == "LoadBalancer" and m.name == f"{t.name}-public"
                                   and match.get("published_port") == number):
        return  # crossdock's own public Service is rendered on the published port
    reason = _service_port(match, number, protocol, t.w)
    if reason is None:
        return
    callers = _callers(m.name, number, workloads)
    inside = " inside the cluster" if kind in ("LoadBalancer", "NodePort") else ""
    ctx.lose(m, (*path, "port"), f"the Service listens on {number} and forwards to the container port "
             f"{container}; {reason}: crossdock's Service listens on {match['port']}, so clients of "
             f"{m.name}:{number}{callers}{inside} must use {match['port']}", "changed", f"services.{t.name}.ports")


def _inside(port: dict[str, Any]) -> Any:
    """The container port of an imported spec port: its target_port, else its port."""
    return port.get("target_port", port["port"])


def _service_port(match: dict[str, Any], number: int, protocol: str, w: dict[str, Any]) -> str | None:
    """Make ``number`` the service port of ``match`` (its container port becomes target_port);
    None when done, else why it cannot be (the spec would then be refused)."""
    if "target_port" in match:
        return f"the port is already reached on {match['port']} through another Service"
    other = next((q for q in w.get("ports", []) if q is not match and q["port"] == number
                  and q.get("protocol", "tcp") == protocol), None)
    if other is not None:
        return f"the workload's port '{other['name']}' is {number}"
    for probe in (w.get("health") or {}).values():
        check = probe.get("http") or probe.get("tcp") or {}
        if check.get("port") == number:
            return f"a health check of the container uses {number}"
    if match.get("publish") and "published_port" not in match:
        match["published_port"] = match["port"]  # still published where it was, on the container port
    match["target_port"], match["port"] = match["port"], number
    return None


def _callers(host: str, port: int, workloads: list[Imported]) -> str:
    """' (web: env ADDR; ...)': the plain env values of the manifests that name host:port."""
    return _env_users(rf"{re.escape(host)}(\.[-a-z0-9.]+)?:{port}(?![0-9])", workloads)


def _env_users(regex: str, workloads: list[Imported]) -> str:
    """' (web: env ADDR; ...)': the workloads' plain env values where ``regex`` matches a host name."""
    pattern = re.compile(r"(?<![-a-z0-9.])" + regex)
    found = [f"{i.name}: env {k}" for i in workloads for k, v in sorted(i.w.get("env", {}).items())
             if isinstance(v, str) and pattern.search(v)]
    if not found:
        return ""
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return " (" + "; ".join(found[:3]) + more + ")"


def read_ingress(ctx: Context, m: Manifest, services: dict[str, list[Imported]],
                 service_ports: dict[str, Manifest]) -> list[Imported]:
    """Each path of an Ingress -> the route of the workload behind it (one route per workload);
    returns the workloads given a route."""
    routed: list[Imported] = []
    for r, _ in enumerate(m.list_at("spec", "rules")):
        rule = m.dict_at("spec", "rules", r)
        for j, entry in enumerate(m.list_at("spec", "rules", r, "http", "paths")):
            path = ("spec", "rules", r, "http", "paths", j)
            m.use(*path)
            m.use("spec", "rules", r, "host")
            backend = m.dict_at(*path, "backend", "service") or _old_backend(m.dict_at(*path, "backend"))
            host = rule.get("host")
            entry = m.dict_at(*path)
            if not isinstance(backend.get("name"), str) \
                    or backend["name"] not in services or not isinstance(backend.get("port", {}), dict):
                ctx.lose(m, path, "its backend is not a Service of the manifests that selects a workload: not "
                         "imported")
                continue
            if not isinstance(host, str) or not _HOST.fullmatch(host):
                ctx.lose(m, ("spec", "rules", r), "a spec route needs a host name: this rule is not imported")
                continue
            target = services[backend["name"]][0]
            port = _route_port(backend.get("port") or {}, service_ports.get(backend["name"]), target)
            if port is None:
                ctx.lose(m, (*path, "backend"), "its port is not one of the Service's: not imported")
                continue
            if "route" in target.w:
                ctx.lose(m, path, f"the workload '{target.name}' already has a route: not imported")
                continue
            route: dict[str, Any] = {"host": host, "port": port}
            text = entry.get("path") or "/"
            if not valid("http_path", text):
                ctx.lose(m, (*path, "path"), "not a path the spec's routes take: not imported")
                continue
            if text != "/":
                route["path"] = text
            kind = entry.get("pathType", "Prefix")
            if kind != "Prefix":
                ctx.lose(m, (*path, "pathType"), f"the spec's routes match a path prefix: {kind} becomes Prefix",
                         "changed", f"services.{target.name}.route.path")
            target.w["route"] = route
            routed.append(target)
    return routed


def _old_backend(backend: dict[str, Any]) -> dict[str, Any]:
    """An Ingress backend of networking.k8s.io/v1beta1 (serviceName, servicePort) in the v1 form."""
    port = backend.get("servicePort")
    return {"name": backend.get("serviceName"),
            "port": {"number": port} if isinstance(port, int) else {"name": port}}


def _route_port(port: dict[str, Any], svc: Manifest | None, target: Imported) -> int | str | None:
    """The spec port (by name, or by its service port number where the Service's is the same) an
    Ingress backend reaches."""
    if svc is None:
        return None
    for p in svc.list_at("spec", "ports"):
        if not isinstance(p, dict) or not (p.get("name") == port.get("name") if "name" in port
                                           else p.get("port") == port.get("number")):
            continue
        wanted = p.get("targetPort", p.get("port"))
        for q in target.w.get("ports", []):
            if (q["name"] == wanted) if isinstance(wanted, str) else (_inside(q) == wanted):
                return q["port"] if "number" in port and p.get("port") == q["port"] else str(q["name"])
    return None


def read_autoscaler(ctx: Context, m: Manifest, workloads: dict[tuple[str, str], Imported]) -> Imported | None:
    ref = m.dict_at("spec", "scaleTargetRef")
    m.use("spec", "scaleTargetRef")
    target = workloads.get((str(ref.get("kind")), str(ref.get("name"))))
    if target is None or target.section != "services":
        ctx.lose(m, ("spec", "scaleTargetRef"), "scales no service of the manifests: not imported")
        m.use("spec")
        return None
    low, high = m.get("spec", "minReplicas") or 1, m.get("spec", "maxReplicas")
    if not _port_number(high) or not _port_number(low) or high < low:
        ctx.lose(m, ("spec",), "no valid minReplicas/maxReplicas: not imported")
        m.use("spec")
        return None
    scale: dict[str, Any] = {"min": low, "max": high}
    cpu = m.get("spec", "targetCPUUtilizationPercentage")  # autoscaling/v1
    for i, metric in enumerate(m.list_at("spec", "metrics")):
        res = metric.get("resource") if isinstance(metric, dict) else None
        tgt = res.get("target") if isinstance(res, dict) else None
        if (isinstance(metric, dict) and metric.get("type") == "Resource" and isinstance(res, dict)
                and res.get("name") == "cpu"
                and isinstance(tgt, dict) and tgt.get("type") == "Utilization"):
            cpu = tgt.get("averageUtilization")
            m.use("spec", "metrics", i)
    if isinstance(cpu, int) and not isinstance(cpu, bool) and cpu != 80:
        scale["cpu_target"] = max(1, min(cpu, 100))
    if "replicas" in target.w:
        ctx.lose(target.m, ("spec", "replicas"), "the HorizontalPodAutoscaler sets the replica count: not imported",
                 "changed", f"services.{target.name}.replicas")
        del target.w["replicas"]
    target.w["autoscale"] = scale
    return target


def service_documents(m: Manifest, targets: list[Imported]) -> list[tuple[str, Imported | None, str]]:
    """The Services crossdock renders for the workloads a Service selects: the one of its type."""
    kind = m.data_at("spec", "type")
    if kind in ("LoadBalancer", "NodePort"):
        return [("Service", t, "-public") for t in targets]
    if m.data_at("spec", "clusterIP") == "None":
        return [("Service", t, "-headless") for t in targets if t.m.kind == "StatefulSet"]
    return [("Service", t, "") for t in targets]


def _port_number(value: Any) -> bool:
    """A positive int (a port, or a replica count), not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535
