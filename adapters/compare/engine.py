"""The comparison: the static part for every target, then each reachable target's live run,
its app destroyed afterwards whatever happened.

Returns data (``CompareResult``) and never prints: progress goes through the ``say`` callback.
Signals are the caller's (``cli.compare``): it raises ``Interrupted`` on SIGINT/SIGTERM, and
this module makes sure the teardown still runs.
"""

from __future__ import annotations

import datetime
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from crossdock.adapters.compare import envinfo, namespace, scenarios
from crossdock.adapters.compare.model import SCENARIOS, CompareResult, ScenarioResult, TargetResult
from crossdock.adapters.compare.session import REVISION_VAR, Guard, Interrupted, Session
from crossdock.adapters.compare.static import compare_static
from crossdock.errors import CrossdockError, InputError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.specs.model import Service
from crossdock.translators.support import Target


@dataclass
class Options:
    spec_file: str
    targets: Sequence[Target]
    scenarios: Sequence[str] = SCENARIOS
    repeat: int = 3
    env: str | None = None
    set_vars: Mapping[str, str] = field(default_factory=dict)
    overlays: tuple[str, ...] = ()
    name: str | None = None
    service: str | None = None
    scale_to: int | None = None
    update_env: str | None = None
    probe_path: str = "/env"
    namespace: str | None = None
    context: str | None = None
    timeout: float = 300.0
    allowed: tuple[str, ...] = ()  # --allow-path folders
    poll: float = 0.25  # seconds between status polls: the resolution of every timing


def make_adapter(target: str, context: str | None, namespace: str | None) -> Any:
    """The target's adapter, as the CLI's platform commands make it."""
    if target == "kubernetes":
        from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
        return KubernetesAdapter(namespace=namespace, context=context, poll_interval=0.25)
    if target == "swarm":
        from crossdock.adapters.swarm.adapter import SwarmAdapter
        return SwarmAdapter(context=context, poll_interval=0.25)
    from crossdock.adapters.nomad.adapter import NomadAdapter
    return NomadAdapter(namespace=namespace, poll_interval=0.25)


def pick_service(spec: LoadedSpec, wanted: str | None) -> tuple[str, Service, int, str | None]:
    """The service under test: ``wanted``, else the first with an HTTP route or a published
    port; with the container port to call and its name. Raises InputError."""
    services = spec.app.services
    if wanted is not None:
        if wanted not in services:
            raise InputError(f"--service {wanted}: no such service in the spec (services: {', '.join(sorted(services))})")
        names = [wanted]
    else:
        names = [n for n in sorted(services) if services[n].route is not None] + \
                [n for n in sorted(services) if any(p.publish for p in services[n].ports)]
        if not names:
            raise InputError("no service has an HTTP route or a published port to measure: choose one with --service")
    name = names[0]
    svc = services[name]
    ref: str | int | None = svc.route.port if svc.route is not None else None
    port = next((p for p in svc.ports if ref in (p.name, p.port)), None) or next(
        (p for p in svc.ports if p.publish), None) or (svc.ports[0] if svc.ports else None)
    if port is None:
        raise InputError(f"service {name} has no port to call over HTTP")
    return name, svc, port.container_port, str(port.name)


def _reachable(target: str, adapter: Any, own_namespace: bool) -> dict[str, str]:
    """The platform's versions; raises CrossdockError (or the client's error) when it does not
    answer.  On Kubernetes, creates the run's own namespace when ``own_namespace``."""
    if target == "kubernetes":
        info = envinfo.kubernetes_versions(adapter.conn)
        if own_namespace:
            namespace.create(adapter.conn, adapter.namespace)
        else:
            adapter.conn.request("reading the namespace", "GET", f"/api/v1/namespaces/{adapter.namespace}")
        return info
    if target == "swarm":
        info = envinfo.swarm_versions(adapter.api)
        if not info["swarm"].startswith("active"):
            raise CrossdockError(f"this Docker Engine is not part of a swarm ({info['swarm']})")
        return info
    version = envinfo.nomad_version(adapter.conn.call("reading the agent", adapter.conn.client.agent.get_agent))
    if version is None:
        raise CrossdockError(f"the API at {adapter.settings.address} did not identify itself as a Nomad agent "
                             "(/v1/agent/self reports no Nomad release version)")
    return {"nomad": f"Nomad {version}"}


def compare(opts: Options, guard: Guard, say: Callable[[str], None]) -> CompareResult:
    """Run the comparison. Raises SpecError/InputError for bad input, Interrupted when the
    caller's signal handler raises it (after the teardown of the target being measured)."""
    spec = load(opts.spec_file, env=opts.env, overlays=opts.overlays, set_vars=dict(opts.set_vars), allowed=opts.allowed)
    live = [s for s in SCENARIOS if s in opts.scenarios]
    service, svc, port, port_name = pick_service(spec, opts.service) if live else ("", None, 0, None)
    if opts.scale_to is not None and svc is not None and svc.replicas is not None and opts.scale_to == svc.replicas:
        raise InputError(f"--scale-to {opts.scale_to}: {service} already has {opts.scale_to} replicas")
    with open(opts.spec_file, encoding="utf-8") as f:
        text = f.read()
    result = CompareResult(opts.spec_file, text, opts.env, spec.app.name, opts.repeat, list(live),
                           machine=envinfo.machine(),
                           started=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    say("static comparison")
    result.static = compare_static(spec, opts.targets)
    if not live:
        return result
    base = opts.name or f"{spec.app.name[:40]}-cmp-{secrets.token_hex(2)}"
    for target in opts.targets:
        tr = TargetResult(target, app=base)
        result.targets.append(tr)
        if guard.interrupted:
            tr.reason = "not measured: the run was interrupted"
            continue
        own_ns = target == "kubernetes" and opts.namespace is None
        adapter = make_adapter(target, opts.context, base if own_ns else opts.namespace)
        try:
            tr.platform = _reachable(target, adapter, own_ns)
        except Interrupted:
            guard.interrupted = result.interrupted = True
            tr.reason = "not measured: the run was interrupted"
            if own_ns:
                _forget_namespace(adapter, tr)
            continue
        except Exception as e:  # noqa: BLE001 - any failure to reach a platform is a reason, not a crash
            tr.reason = f"not measured: {target} is not reachable ({e})"
            say(f"{target}: {tr.reason}")
            continue
        tr.measured = True
        tr.namespace = adapter.namespace if target == "kubernetes" else None
        assert svc is not None
        var = opts.update_env or REVISION_VAR
        with tempfile.TemporaryDirectory(prefix="crossdock-compare-") as tmp:
            session = Session(target, adapter, opts.spec_file, opts.env, opts.set_vars, opts.overlays, base, Path(tmp),
                              service, next(iter(sorted(spec.app.jobs)), None), svc.replicas, port, port_name,
                              opts.probe_path, var, str(svc.env.get(var, "")), tr.namespace, opts.timeout, opts.poll,
                              guard, _prefixed(say, target), allowed=opts.allowed, per_node=svc.mode == "per_node")
            try:
                _run(session, tr, live, opts)
            except Interrupted:
                guard.interrupted = True
                tr.reason = "interrupted: the run stopped there; what was measured before is kept"
            finally:
                _teardown(session, tr, say, own_ns)
        if guard.interrupted:
            result.interrupted = True
    return result


def _forget_namespace(adapter: Any, tr: TargetResult) -> None:
    """Delete the run's namespace, if it was created before the run stopped."""
    try:
        if adapter.conn.request("reading the namespace", "GET", f"/api/v1/namespaces/{adapter.namespace}",
                                missing_ok=True) is not None:
            namespace.delete(adapter.conn, adapter.namespace)
    except CrossdockError as e:
        tr.leftovers.append(f"namespace {adapter.namespace}: {e}")


def _prefixed(say: Callable[[str], None], target: str) -> Callable[[str], None]:
    return lambda message: say(f"{target}: {message}")


def _run(s: Session, tr: TargetResult, live: Sequence[str], opts: Options) -> None:
    order = ["deploy", "status", "scale", "heal", "update", "job"]
    deploy_res = ScenarioResult("deploy")
    tr.scenarios.append(deploy_res)
    try:
        if "deploy" in live:
            scenarios.deploy(s, deploy_res, opts.repeat)
        else:
            scenarios.deploy(s, deploy_res, 1)
            deploy_res.figures.clear()
            deploy_res.timelines.clear()
    except Interrupted:
        deploy_res.state, deploy_res.reason = "not measured", "interrupted"
        raise
    except CrossdockError as e:
        deploy_res.state, deploy_res.reason = "failed", str(e)
        for name in order[1:]:
            if name in live:
                tr.scenarios.append(ScenarioResult(name, "not measured", "the deploy failed"))
        return
    for name in order[1:]:
        if name not in live:
            continue
        res = ScenarioResult(name)
        tr.scenarios.append(res)
        try:
            if name == "status":
                scenarios.status(s, res, opts.repeat)
            elif name == "scale":
                scenarios.scale(s, res, opts.repeat, opts.scale_to)
            elif name == "heal":
                scenarios.heal(s, res, opts.repeat)
            elif name == "update":
                scenarios.update(s, res, opts.repeat)
                tr.endpoint = s.endpoint.how if s.endpoint else "; ".join(res.notes)
            else:
                scenarios.job(s, res, opts.repeat)
        except Interrupted:
            res.state, res.reason = "not measured", "interrupted"
            raise
        except CrossdockError as e:
            res.state, res.reason = "failed", str(e)
            s.say(f"{name} failed: {e}")
    if "deploy" not in live:
        tr.scenarios.remove(deploy_res)


def _teardown(s: Session, tr: TargetResult, say: Callable[[str], None], own_ns: bool) -> None:
    """Destroy the app (and the run's own namespace); a first signal now is only noted (the
    handler sees ``tearing_down``)."""
    s.guard.tearing_down = True
    try:
        say(f"{s.target}: destroying {s.app}")
        t = time.monotonic()
        try:
            s.adapter.destroy(s.app)
            took = round(time.monotonic() - t, 3)
            dep = tr.scenario("deploy")
            if dep is not None and dep.state == "ok" and dep.figures:
                dep.figure("destroy").values.append(took)
        except CrossdockError as e:
            tr.leftovers.append(f"destroy failed: {e}")
            say(f"{s.target}: destroy failed: {e}")
        if own_ns and s.namespace:
            try:
                namespace.delete(s.adapter.conn, s.namespace)
            except CrossdockError as e:
                tr.leftovers.append(f"namespace {s.namespace}: {e}")
    finally:
        s.guard.tearing_down = False
