"""End to end on the real local platforms (issue 4): one app per target taken through deploy,
scale, rolling update under traffic, a failed update rolled back, a job, and destroy.

The steps share one deployed app per target (a module-scoped fixture, parametrized over
``swarm`` and ``kubernetes``, so pytest runs all steps of one target, then the other); each
target gets its own app name (and on Kubernetes its own namespace), cleaned up even when a step
fails.  A step that fails makes the later steps of that target skip with its name, so the
first failure is the one to read.  How HTTP reaches the service on each platform, from
127.0.0.1 only, is in ``e2e_helpers``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from e2e_helpers import CONF, TOKEN, E2EApp, Prober, make_app
from platforms_fixtures import wait_for
from crossdock.errors import DeployFailed

pytestmark = pytest.mark.platform

WAIT = 120.0


@pytest.fixture(scope="module", params=["swarm", "kubernetes"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EApp]:
    target = str(request.param)
    platform = request.getfixturevalue(target)  # the session fixtures bring the platform up
    a = make_app(target, platform, tmp_path_factory.mktemp(f"e2e-{target}"))
    try:
        yield a
    finally:
        a.cleanup()


@pytest.fixture
def step(app: E2EApp, request: pytest.FixtureRequest) -> Iterator[E2EApp]:
    """The app, unless an earlier step of this target failed (then skip, naming it)."""
    if app.failed:
        pytest.skip(f"an earlier step failed on {app.target}: {app.failed[0]}")
    before = request.session.testsfailed
    yield app
    # the call phase's report is counted before fixtures are torn down
    if request.session.testsfailed != before:
        app.failed.append(request.node.name)


def answered(a: E2EApp, path: str, count: int | None = None) -> list[str]:
    """Bodies of ``path`` from every endpoint, once all answer 200 (and there are ``count``)."""
    def probe() -> list[str] | None:
        got = a.get_all(path)
        if not got or (count is not None and len(got) != count) or any(s != 200 for s, _ in got):
            return None
        return [b for _, b in got]
    return list(wait_for(probe, 60, f"{path} answered by every replica of {a.name}_web"))


def counts_settle(a: E2EApp, replicas: int) -> None:
    """Status reports exactly ``replicas`` desired, running, healthy and instances of web."""
    def right() -> bool:
        w = a.workload(a.adapter.status(a.name), "web")
        return (w.desired, w.running, w.healthy, len(w.instances)) == (replicas,) * 4
    wait_for(right, 60, f"status of web to count {replicas} replicas")


def test_e2e_deploy_serves_env_config_and_secret(step: E2EApp) -> None:
    step.foreign = step.add_foreign()
    plan = step.deploy(message="v1", replicas=1)
    assert not plan.empty
    status = step.adapter.wait(step.name, WAIT)
    assert status.ready
    web = step.workload(status, "web")
    assert (web.desired, web.healthy) == (1, 1)
    assert "MESSAGE=v1" in answered(step, "/env")[0]
    assert answered(step, "/")[0].splitlines()[1] == "v1"
    assert answered(step, "/file?path=/etc/e2e/app.conf") == [CONF]
    # the image ends a file without a final newline with one
    assert answered(step, "/file?path=/run/secrets/token") == [TOKEN + "\n"]
    # a second deploy of the same spec changes nothing
    assert step.deploy(message="v1", replicas=1).empty


def test_e2e_scale_up_and_down(step: E2EApp) -> None:
    for replicas in (3, 1):
        plan = step.deploy(message="v1", replicas=replicas)
        assert [c.name for c in plan.changes if c.action == "update"], plan
        status = step.adapter.wait(step.name, WAIT)
        web = step.workload(status, "web")
        assert web.desired == replicas and web.healthy >= replicas
        counts_settle(step, replicas)
        if step.target == "swarm":  # one host port per task: every replica answers
            assert len(answered(step, "/", count=replicas)) == replicas


def test_e2e_rolling_update_keeps_serving(step: E2EApp) -> None:
    # Two replicas, surge 1 (start-first on Swarm, maxSurge 1 / maxUnavailable 0 on Kubernetes).
    # The prober asks 10 times a second whether *some* replica answers: on Kubernetes through
    # the NodePort, i.e. the Service's ready endpoints as kube-proxy routes them; on Swarm,
    # which has no mesh here, each task's own host-mode port in turn (what a load balancer in
    # front of the tasks would see), looking the ports up again before calling a round lost.
    step.deploy(message="v1", replicas=2)
    step.adapter.wait(step.name, WAIT)
    counts_settle(step, 2)
    prober = Prober(step)
    prober.start()
    try:
        wait_for(lambda: prober.rounds >= 10, 20, "the prober to get going")
        step.deploy(message="v2", replicas=2)
        step.adapter.wait(step.name, WAIT)
        wait_for(lambda: all(b.splitlines()[1:] == ["v2"] for b in answered(step, "/", None)), 60,
                 "every replica to serve v2")
        rounds = prober.rounds
        wait_for(lambda: prober.rounds >= rounds + 10, 20, "the prober to see the settled app")
    finally:
        prober.stop.set()
        prober.join(10)
    assert prober.rounds >= 20
    assert not prober.outages, f"{len(prober.outages)} of {prober.rounds} rounds unanswered: {prober.outages[:5]}"
    served = [b.splitlines()[1] for b in prober.bodies if len(b.splitlines()) > 1]
    assert served[0] == "v1" and served[-1] == "v2"
    assert "MESSAGE=v2" in answered(step, "/env")[0]
    counts_settle(step, 2)


def test_e2e_broken_update_fails_and_rolls_back(step: E2EApp) -> None:
    plan = step.deploy(message="broken", replicas=2, health="/no-such-health")
    assert [c.name for c in plan.changes if c.action == "update"], plan
    with pytest.raises(DeployFailed) as err:
        step.adapter.wait(step.name, WAIT)
    assert "web" in err.value.failures, err.value.failures
    reason = err.value.failures["web"]
    assert step.name in str(err.value) and reason in str(err.value)
    if step.target == "kubernetes":
        # the probe's own failure, and what wait did about it
        assert "Readiness probe failed: HTTP probe failed with statuscode: 404" in reason, reason
        assert "(auto_rollback)" in reason and "rolled back to revision" in reason, reason
    else:
        # Swarm's update status: its health check failed the new task, Swarm rolled back
        assert "rollback" in reason and "rolled back" in reason, reason
    # the previous version (v2, healthy) serves again, on every replica
    def previous_serving() -> bool:
        w = step.workload(step.adapter.status(step.name), "web")
        bodies = answered(step, "/")
        return (w.desired == w.healthy == w.running == len(w.instances) == 2
                and len(bodies) >= 1 and all(b.splitlines()[1:] == ["v2"] for b in bodies))
    wait_for(previous_serving, 90, "the rolled-back v2 to serve on every replica")
    assert "MESSAGE=v2" in answered(step, "/env")[0]


def test_e2e_job_ran_to_completion(step: E2EApp) -> None:
    status = step.adapter.status(step.name)
    job = step.workload(status, "once")
    assert job.kind == "job"
    assert job.runs, job
    # one run: the deploys of steps 2-4 changed only the web service, so the job did not run again
    assert len(job.runs) == 1 and job.runs[0].state == "succeeded", job.runs
    assert job.runs[0].exit_code in (0, None), job.runs
    assert job.ready
    lines = list(step.adapter.logs(step.name, "once"))
    assert any("e2e-job-ran" in line for line in lines), lines


def test_e2e_destroy_leaves_nothing_but_the_foreign_object(step: E2EApp) -> None:
    foreign = step.foreign
    before = step.leftovers()
    assert {"services", "configs", "secrets"} <= set(before) or {"deployments", "jobs", "services"} <= set(before)
    removed = step.adapter.destroy(step.name)
    assert removed
    assert not any(foreign.split(":")[1] in r for r in removed), removed
    kind, name = foreign.split(":")
    # EndpointSlices are removed by the garbage collector after their Service: give it time.
    deadline = time.monotonic() + 30
    while (left := step.leftovers()) != {kind: [name]} and time.monotonic() < deadline:
        time.sleep(1)
    assert left == {kind: [name]}
