"""A service's task group around its tasks: network, service registrations and checks, update,
scaling, restart and placement.

Network: bridge mode, so that the group's tasks (main, init steps, sidecars) share one network
namespace and reach each other on localhost, as containers of a Kubernetes pod do (it needs
the CNI reference plugins on the clients).  Each port gets a host port mapped to the container
port (``to``, the spec's ``target_port`` where it gives one): the published port when one is given (a
reserved port), a dynamic one otherwise.

Services: one ``provider = "nomad"`` registration per port, named ``<app>-<workload>`` for the
first port and ``<app>-<workload>-<port>`` for the others.  Health checks go on the first
registration: readiness is a check (it gates deployments and Traefik), liveness a check with
``check_restart`` (restart after ``retries`` failures, grace = liveness start period plus the
startup probe's window).  Nomad's own checks are http and tcp only; command checks need
Consul and are reported, not rendered.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crossdock.specs import names
from crossdock.specs.model import App, Probe, Service, UpdatePolicy
from crossdock.translators.base import Report, alias_clash
from crossdock.translators.nomad.tasks import RESTART_FOREVER, Path, interpolated

_S = 10**9
_MIN_CHECK = _S  # Nomad refuses check intervals and timeouts under one second


def ns(text: str) -> int:
    """A spec duration ('1m30s', '500ms') in integer nanoseconds."""
    unit = {"ms": 10**6, "s": _S, "m": 60 * _S, "h": 3600 * _S}
    return sum(int(n) * unit[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h)", text))


def network(svc: Service) -> dict[str, Any]:
    net: dict[str, Any] = {"Mode": "bridge"}
    reserved = [{"Label": p.name, "Value": p.published_port, "To": p.container_port} for p in svc.ports
                if p.publish and p.published_port is not None]
    dynamic = [{"Label": p.name, "To": p.container_port} for p in svc.ports if not (p.publish and p.published_port)]
    if reserved:
        net["ReservedPorts"] = reserved
    if dynamic:
        net["DynamicPorts"] = dynamic
    return net


def services(spec: App, name: str, svc: Service, report: Report) -> list[dict[str, Any]]:
    path: Path = ("services", name)
    app = spec.name
    out = []
    for i, port in enumerate(svc.ports):
        report.note("ports", path + ("ports", i))
        if port.container_port != port.port:
            report.note("target_port", path + ("ports", i, "target_port"))
        if port.publish:
            report.note("publish", path + ("ports", i, "publish"))
        # At most 63 characters: the loader refuses a spec where it would be longer.
        service_name = names.nomad_service(app, name, port.name, i == 0)
        out.append({"Name": service_name, "Provider": "nomad", "PortLabel": port.name})
    for i, alias in enumerate(svc.aliases):
        where = path + ("aliases", i)
        # verbatim, not <app>-prefixed as the service's own registrations: an alias is the name
        # callers already use (an imported job's registration name, a compose container_name)
        alias_name = alias.lower()
        clash = alias_clash(spec, name, alias)
        if clash is not None:
            report.note("aliases", where, clash)
        elif not out:
            report.note("aliases", where, "the service has no ports: not rendered")
        elif len(alias_name) > names.NOMAD_SERVICE_MAX or not _SERVICE_NAME.fullmatch(alias_name):
            report.note("aliases", where, f"{alias_name!r} is not a valid Nomad service name (an RFC 1123 label "
                        f"of at most {names.NOMAD_SERVICE_MAX}): not rendered")
        elif all(s["Name"] != alias_name for s in out):
            report.note("aliases", where)
            out.append({"Name": alias_name, "Provider": "nomad", "PortLabel": svc.ports[0].name})
    checks = _checks(svc, path, report)
    if checks and out:
        out[0]["Checks"] = checks
    if svc.route is not None:
        report.note("route", path + ("route",))
        label = _port_label(svc, svc.route.port, container=False)
        target = next((s for s in out if s["PortLabel"] == label), None)
        if target is not None:
            interpolated(report, "route", path + ("route", "path"), svc.route.path)
            target["Tags"] = _traefik_tags(f"{app}-{name}", svc.route.host, svc.route.path)
    return out


def _traefik_tags(router: str, host: str, path: str) -> list[str]:
    rule = f"Host({_rule_string(host)})"
    if path != "/":
        rule += f" && PathPrefix({_rule_string(path)})"
    return ["traefik.enable=true", f"traefik.http.routers.{router}.rule={rule}"]


def _rule_string(text: str) -> str:
    # Traefik rules take Go string literals: raw in backquotes, or quoted with JSON-compatible escapes.
    return f"`{text}`" if "`" not in text else json.dumps(text, ensure_ascii=False)


# Nomad Service.Validate: an RFC 1123 label (letters, digits and '-').
_SERVICE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_path(path: str) -> str:
    """``path`` as Nomad accepts an http check's path: Go's ``url.Parse`` must take it as a
    relative URL.  It refuses a ``%`` that starts no escape and ASCII control characters (written
    ``%25`` and ``%XX``), and reads a leading ``//`` as a host (written ``/%2F``).  A server that
    decodes the request path gets the spec's path back."""
    out = _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", _BAD_PERCENT.sub("%25", path))
    return "/%2F" + out[2:] if out.startswith("//") else out


def _port_label(svc: Service, ref: int | str, container: bool = True) -> str | None:
    """The label of the port ``ref`` names: by number, a container port (a health check runs
    against the container) or a service port (a route reaches the service)."""
    if isinstance(ref, str):
        return ref
    return next((p.name for p in svc.ports if (p.container_port if container else p.port) == ref), None)


def _checks(svc: Service, path: Path, report: Report) -> list[dict[str, Any]]:
    health = svc.health
    if health is None:
        return []
    checks = []
    startup = health.startup
    if startup is not None:
        report.note("health_startup", path + ("health", "startup"),
                    None if health.liveness else "there is no liveness check to delay: not rendered")
    for kind in ("readiness", "liveness"):
        probe: Probe | None = getattr(health, kind)
        if probe is None:
            continue
        ppath = path + ("health", kind)
        report.note(f"health_{kind}", ppath)
        if probe.exec is not None:
            report.note("health_exec", ppath + ("exec",))
            continue
        check = _check(svc, kind, probe, ppath, report)
        if kind == "readiness" and ns(probe.start_period):
            report.note("health_readiness", ppath + ("start_period",), "a Nomad check has no initial delay: "
                        "not rendered (the check runs from the start)")
        if kind == "liveness":
            grace = ns(probe.start_period)
            if startup is not None:
                grace += ns(startup.start_period) + ns(startup.interval) * startup.retries
            check["CheckRestart"] = {"Limit": probe.retries, "Grace": grace}
        checks.append(check)
    return checks


def _check(svc: Service, kind: str, probe: Probe, path: Path, report: Report) -> dict[str, Any]:
    target = probe.http or probe.tcp
    assert target is not None
    check: dict[str, Any] = {"Name": kind, "Type": "http" if probe.http else "tcp"}
    if probe.http is not None:
        report.note("health_http", path + ("http",))
        interpolated(report, "health_http", path + ("http", "path"), probe.http.path)
        check["Path"] = check_path(probe.http.path)
        if check["Path"] != probe.http.path:
            report.note("health_http", path + ("http", "path"), f"Nomad refuses a check path that is not a valid "
                        f"URL path: rendered as {check['Path']!r}, which a server decodes to the same path")
    else:
        report.note("health_tcp", path + ("tcp",))
    label = _port_label(svc, target.port)
    if label is not None:
        check["PortLabel"] = label
    else:
        # A container port no ports entry declares: checked inside the group's namespace.
        check["AddressMode"] = "alloc"
        check["PortLabel"] = str(target.port)
    for field in ("interval", "timeout"):
        value = ns(getattr(probe, field))
        if value < _MIN_CHECK:
            report.note(f"health_{kind}", path + (field,),
                        f"Nomad's minimum check {field} is 1s: {getattr(probe, field)} becomes 1s")
            value = _MIN_CHECK
        check[field.capitalize()] = value
    return check


def update(policy: UpdatePolicy, path: Path, report: Report, system: bool = False) -> dict[str, Any]:
    """Rolling update: max_parallel = parallelism; surge > 0 becomes that many canaries promoted
    automatically (not in a ``system`` job, which replaces max_parallel allocations at a time);
    healthy_deadline = deadline and progress_deadline twice it (Nomad's default ratio, 5m and
    10m)."""
    upath = path + ("update",)
    deadline, min_ready = ns(policy.deadline), ns(policy.min_ready)
    if min_ready >= deadline:
        report.note("update", upath + ("deadline",), "Nomad needs healthy_deadline > min_healthy_time: "
                    "healthy_deadline is min_ready + deadline")
        deadline += min_ready
    out: dict[str, Any] = {
        "MaxParallel": policy.parallelism,
        "HealthCheck": "checks" if policy.wait_healthy else "task_states",
        "MinHealthyTime": min_ready,
        "HealthyDeadline": deadline,
        "ProgressDeadline": 2 * deadline,
        "AutoRevert": policy.auto_rollback,
    }
    if not system:
        out.update({"Canary": policy.surge, "AutoPromote": policy.surge > 0})
    if policy.surge > 0 and "surge" in policy.model_fields_set:
        report.note("update", upath + ("surge",), "a system job replaces max_parallel allocations at a time: "
                    "surge is not rendered" if system else None, alone=system)
    if policy.wait_healthy:
        report.note("update_wait_healthy", upath + ("wait_healthy",))
    if policy.auto_rollback:
        report.note("update_rollback", upath + ("auto_rollback",))
    return out


def scaling(svc: Service, path: Path, report: Report) -> dict[str, Any] | None:
    scale = svc.autoscale
    if scale is None:
        return None
    report.note("autoscale", path + ("autoscale",))
    policy = {"check": [{"cpu": [{"source": "nomad-apm", "query": "avg_cpu-allocated",
                                  "strategy": [{"target-value": [{"target": scale.cpu_target}]}]}]}]}
    return {"Enabled": True, "Type": "horizontal", "Min": scale.min, "Max": scale.max, "Policy": policy}


def restart_policy(svc: Service, path: Path, report: Report) -> dict[str, Any]:
    """Restart in place, forever (``RESTART_FOREVER``)."""
    if svc.restart == "on-failure":
        report.note("restart_on_failure_service", path + ("restart",))
    return dict(RESTART_FOREVER)


def placement(w: Any, path: Path, report: Report) -> dict[str, Any]:
    """Constraints and spread on node labels, read from the client's meta; the hostname label
    is the node's name."""
    out: dict[str, Any] = {}
    if w.placement is None:
        return out
    constraints = []
    for key, value in w.placement.constraints.items():
        if key != "kubernetes.io/hostname":
            report.note("placement_constraints", path + ("placement", "constraints", key))
        interpolated(report, "placement_constraints", path + ("placement", "constraints", key), value)
        constraints.append({"LTarget": _node_attribute(key), "Operand": "=", "RTarget": value})
    spreads = []
    spread = w.placement.spread
    if isinstance(w, Service) and w.mode == "per_node" and spread:
        report.note("placement_spread", path + ("placement", "spread"), "a system job runs on every node that "
                    "fits (Nomad refuses spread there): not rendered", alone=True)
        spread = []
    for i, key in enumerate(spread):
        if key != "kubernetes.io/hostname":
            report.note("placement_spread", path + ("placement", "spread", i))
        spreads.append({"Attribute": _node_attribute(key)})
    if constraints:
        out["Constraints"] = constraints
    if spreads:
        out["Spreads"] = spreads
    return out


def _node_attribute(label: str) -> str:
    return "${node.unique.name}" if label == "kubernetes.io/hostname" else "${meta." + label + "}"
