"""The live scenarios, run in order on one deployed app: deploy, status, scale, heal, update,
job.  Each one is repeated ``repeat`` times; each fills one ``ScenarioResult`` with figures
(one value per repeat), timelines and, for the update, every prober answer.

What each figure means (seconds unless said):
- deploy: from the deploy call to the first healthy replica of any service, and to every
  service's replicas healthy; between repeats the app is destroyed (that time is "destroy").
- status: one ``status`` call, in milliseconds.
- scale: the service from N to M replicas, all healthy; and back to N.
- heal: one container SIGKILLed from outside the orchestrator; until the platform notices
  (the healthy count drops, or the instance is restarted or replaced) and until the service is
  back to all replicas healthy.
- update: a rolling update to a new value of one env var; until every replica is a new one and
  healthy; meanwhile a prober calls the service at a fixed rate and classifies each answer.
- job: from the deploy call that starts a new run of the job to that run succeeding.
"""

from __future__ import annotations

import time
from typing import Any

from crossdock.adapters.compare import chaos
from crossdock.adapters.compare.model import ProbeResult, ScenarioResult, Timeline
from crossdock.adapters.compare.reach import NotReachable, Prober, classify
from crossdock.adapters.compare.session import RUN_VAR, ScenarioFailed, Session
from crossdock.adapters.model import AppStatus

PROBE_RATE = 20.0  # requests per second: one every 50 ms, finer than any rollout step
PROBE_LEAD = 1.0  # seconds probed before an update starts
# seconds probed after the platform reports the update rolled out: a replaced replica may still
# answer for a moment (kube-proxy syncs its rules about once a second; Swarm stops old tasks
# after their grace period), and that is part of what the update costs
PROBE_TAIL = 2.0


def deploy(s: Session, res: ScenarioResult, repeat: int) -> None:
    for r in range(repeat):
        if r:
            s.say(f"destroy before deploy {r + 1}/{repeat}")
            t = time.monotonic()
            s.adapter.destroy(s.app)
            res.figure("destroy").values.append(round(time.monotonic() - t, 3))
        s.say(f"deploy {r + 1}/{repeat}")
        spec, bundle = s.prepare()
        tl = Timeline("deploy", r + 1)
        res.timelines.append(tl)
        t0 = s.apply(spec, bundle)
        tl.marks["deploy call returned"] = round(time.monotonic() - t0, 3)
        first: list[float] = []

        def done(st: AppStatus) -> bool:
            if not first and any(w.healthy > 0 for w in st.workloads if w.kind == "service"):
                first.append(time.monotonic() - t0)
            return bool(first) and s.services_ready(st)

        _, took = s.observe(done, t0, tl, "every service's replicas healthy")
        res.figure("first replica healthy").values.append(round(first[0], 3))
        res.figure("all replicas healthy").values.append(round(took, 3))
        tl.marks["all healthy"] = round(took, 3)


def status(s: Session, res: ScenarioResult, repeat: int) -> None:
    calls = 0
    for _ in range(repeat):
        t = time.perf_counter()
        st = s.status()
        res.figure("status query", "ms").values.append(round((time.perf_counter() - t) * 1000, 1))
        calls = st.api_calls
    res.notes.append(f"{calls} platform API calls per status query")


def scale(s: Session, res: ScenarioResult, repeat: int, to: int | None) -> None:
    if s.per_node:
        res.state, res.reason = "not measured", (f"{s.service} runs one replica on each node (mode per_node): "
                                                 "its replica count is the number of nodes, not set by the spec")
        return
    if s.replicas is None:
        res.state, res.reason = "not measured", f"{s.service} is autoscaled: its replica count is not set by the spec"
        return
    n = s.replicas
    m = to if to is not None else n + 2
    for r in range(repeat):
        tl = Timeline("scale", r + 1)
        res.timelines.append(tl)
        s.say(f"scale {n}->{m}->{n} {r + 1}/{repeat}")
        spec, bundle = s.prepare({"services": {s.service: {"replicas": m}}})
        t0 = s.apply(spec, bundle)

        def reached(count: int) -> Any:
            def done(st: AppStatus) -> bool:
                w = s.workload(st)
                return w is not None and w.desired == count and w.healthy >= count and w.running == count
            return done

        _, up = s.observe(reached(m), t0, tl, f"{s.service} at {m} replicas healthy")
        res.figure(f"scale up {n}->{m}").values.append(round(up, 3))
        tl.marks[f"{m} healthy"] = round(up, 3)
        spec, bundle = s.prepare({"services": {s.service: {"replicas": n}}})
        t1 = s.apply(spec, bundle)
        tl.marks[f"scale to {n}"] = round(t1 - t0, 3)
        _, down = s.observe(reached(n), t0, tl, f"{s.service} back at {n} replicas")
        res.figure(f"scale down {m}->{n}").values.append(round(down - (t1 - t0), 3))
        tl.marks[f"{n} healthy"] = round(down, 3)


def heal(s: Session, res: ScenarioResult, repeat: int) -> None:
    try:
        if s.docker is None:
            s.docker = chaos.local_docker()
    except NotReachable as e:
        res.state, res.reason = "not measured", str(e)
        return
    for r in range(repeat):
        st, _ = s.observe(s.services_ready, time.monotonic(), None, "every replica healthy before the kill")
        w = s.workload(st)
        assert w is not None
        healthy = sorted((i for i in w.instances if i.state == "healthy"), key=lambda i: i.id)
        if not healthy:
            raise ScenarioFailed(f"{s.service} has no healthy instance to kill")
        victim = healthy[r % len(healthy)]  # another one each time: a restart back-off is per instance
        tl = Timeline("heal", r + 1)
        res.timelines.append(tl)
        s.say(f"heal {r + 1}/{repeat}: killing {victim.id}")
        t0 = time.monotonic()
        try:
            chaos.kill_instance(s.docker, s.hooks.kill_filters(victim.id, s.service), victim.id)
        except NotReachable as e:
            res.state, res.reason = "not measured", str(e)
            res.timelines.pop()
            return
        noticed: list[float] = []

        def done(st: AppStatus) -> bool:
            ws = s.workload(st)
            if ws is None:
                return False
            same = next((i for i in ws.instances if i.id == victim.id), None)
            changed = same is None or same.restarts > victim.restarts or same.state != "healthy"
            if not noticed and (ws.healthy < ws.desired or changed):
                noticed.append(time.monotonic() - t0)
            return bool(noticed) and changed and ws.healthy >= ws.desired and ws.running >= ws.desired and (
                same is None or same.state == "healthy")

        _, took = s.observe(done, t0, tl, f"{s.service} healthy again after the kill")
        res.figure("noticed").values.append(round(noticed[0], 3))
        res.figure("healthy again").values.append(round(took, 3))
        tl.marks["killed"] = 0.0
        tl.marks["noticed"] = round(noticed[0], 3)
        tl.marks["healthy again"] = round(took, 3)


def update(s: Session, res: ScenarioResult, repeat: int) -> list[str]:
    """Returns notes on how the endpoint was reached (or why it was not)."""
    reach_error = ""
    try:
        if s.endpoint is None:
            s.endpoint = s.hooks.endpoint(s.app, s.service, s.port, s.port_name, s.probe_path)
    except NotReachable as e:
        reach_error = str(e)
        res.notes.append(f"availability not measured: {e}")
    for r in range(repeat):
        old, new = s.value(s.revision), s.value(s.revision + 1)
        st, _ = s.observe(s.services_ready, time.monotonic(), None, "every replica healthy before the update")
        w = s.workload(st)
        before = {i.id for i in (w.instances if w else ())}
        spec, bundle = s.prepare({"services": {s.service: {"env": {s.update_var: new}}}})
        s.revision += 1
        tl = Timeline("update", r + 1)
        res.timelines.append(tl)
        s.say(f"update {r + 1}/{repeat}: {s.update_var} {old!r} -> {new!r}")
        origin = time.monotonic() + PROBE_LEAD
        prober = None
        if s.endpoint is not None:
            var = s.update_var
            prober = Prober(s.endpoint, s.probe_path, lambda code, body: classify(code, body, var, old, new),
                            PROBE_RATE, origin).start()
        try:
            time.sleep(max(0.0, origin - time.monotonic()))
            t0 = s.apply(spec, bundle)

            def done(st: AppStatus) -> bool:
                ws = s.workload(st)
                return ws is not None and s.services_ready(st) and not before & {i.id for i in ws.instances}

            _, took = s.observe(done, t0, tl, f"{s.service} rolled out to the new value")
            res.figure("rollout").values.append(round(took, 3))
            tl.marks["rolled out"] = round(took, 3)
            if prober is not None:
                time.sleep(PROBE_TAIL)
        finally:
            answers = prober.stop() if prober is not None else []
        if prober is not None:
            pr = ProbeResult(r + 1, PROBE_RATE, answers)
            res.probes.append(pr)
            if pr.total:
                res.figure("answers failed", "requests").values.append(pr.count("failed"))
                res.figure("availability", "%", better="higher").values.append(
                    round(100.0 * (pr.total - pr.count("failed")) / pr.total, 2))
            first_new = next((t for t, a in answers if a == "new"), None)
            if first_new is not None:
                res.figure("first new answer").values.append(round(first_new, 3))
    return [reach_error] if reach_error else []


def job(s: Session, res: ScenarioResult, repeat: int) -> None:
    if s.job is None:
        res.state, res.reason = "not measured", "the spec has no job"
        return
    name = s.job

    def last(st: AppStatus) -> Any:
        w = s.workload(st, name)
        return w.runs[-1] if w is not None and w.runs else None

    for r in range(repeat):
        st, _ = s.observe(lambda st: last(st) is not None and last(st).state != "running", time.monotonic(), None,
                          f"job {name}'s previous run to end")
        prev = last(st)
        key = (prev.id, prev.started)
        s.job_run += 1
        s.say(f"job {r + 1}/{repeat}: a new run of {name}")
        spec, bundle = s.prepare({"jobs": {name: {"env": {RUN_VAR: str(s.job_run)}}}})
        t0 = s.apply(spec, bundle)

        def done(st: AppStatus) -> bool:
            run = last(st)
            if run is None or (run.id, run.started) == key:
                return False
            if run.state == "failed":
                raise ScenarioFailed(f"job {name} failed: {run.message or f'exit code {run.exit_code}'}")
            return bool(run.state == "succeeded")

        _, took = s.observe(done, t0, None, f"the new run of job {name} to succeed")
        res.figure("run to completion").values.append(round(took, 3))
