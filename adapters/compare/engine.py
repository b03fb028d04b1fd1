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
from typing import Callable, Mapping, Sequence

from crossdock import targets
from crossdock.adapters.compare import envinfo, scenarios
from crossdock.adapters.compare.model import SCENARIOS, CompareResult, ScenarioResult, TargetResult
from crossdock.adapters.compare.session import REVISION_VAR, Guard, Interrupted, Session
from crossdock.adapters.compare.static import compare_static
from crossdock.errors import CrossdockError, InputError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.specs.model import Service
from crossdock.targets import Connection


@dataclass
class Options:
    spec_file: str
    targets: Sequence[str]  # registered targets' names
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
    for name in opts.targets:
        tr = TargetResult(name, app=base)
        result.targets.append(tr)
        factory = targets.get(name).compare
        if guard.interrupted:
            tr.reason = "not measured: the run was interrupted"
            continue
        if factory is None:
            tr.reason = f"not measured: {name} has no live comparison (its target registers no compare hooks)"
            continue
        hooks = factory(Connection(context=opts.context, namespace=opts.namespace, poll_interval=opts.poll))
        try:
            tr.platform = hooks.versions(base)
        except Interrupted:
            guard.interrupted = result.interrupted = True
            tr.reason = "not measured: the run was interrupted"
            tr.leftovers += hooks.cleanup()
            continue
        except Exception as e:  # noqa: BLE001 - any failure to reach a platform is a reason, not a crash
            tr.reason = f"not measured: {name} is not reachable ({e})"
            tr.leftovers += hooks.cleanup()
            say(f"{name}: {tr.reason}")
            continue
        tr.measured = True
        tr.namespace = hooks.namespace
        assert svc is not None
        var = opts.update_env or REVISION_VAR
        with tempfile.TemporaryDirectory(prefix="crossdock-compare-") as tmp:
            session = Session(name, hooks, opts.spec_file, opts.env, opts.set_vars, opts.overlays, base, Path(tmp),
                              service, next(iter(sorted(spec.app.jobs)), None), svc.replicas, port, port_name,
                              opts.probe_path, var, str(svc.env.get(var, "")), opts.timeout, opts.poll,
                              guard, _prefixed(say, name), allowed=opts.allowed, per_node=svc.mode == "per_node")
            try:
                _run(session, tr, live, opts)
            except Interrupted:
                guard.interrupted = True
                tr.reason = "interrupted: the run stopped there; what was measured before is kept"
            finally:
                _teardown(session, tr, say)
        if guard.interrupted:
            result.interrupted = True
    return result


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


def _teardown(s: Session, tr: TargetResult, say: Callable[[str], None]) -> None:
    """Destroy the app, then what the target prepared for the run (its own namespace); a first
    signal now is only noted (the handler sees ``tearing_down``)."""
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
        tr.leftovers += s.hooks.cleanup()
    finally:
        s.guard.tearing_down = False
