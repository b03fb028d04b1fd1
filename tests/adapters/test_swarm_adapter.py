"""The Swarm adapter against the real local swarm (Docker Engine 20.10, scripts/platforms).

Each test deploys its own app (a unique name) and destroys it afterwards, even on failure.
The kernel has no IPVS, so the routing mesh is absent: the specs publish HTTP in host mode
through an ``x-swarm`` block (the product itself never forces host mode), with stop-first
updates since two tasks cannot hold one host port.  The test image's server ignores SIGTERM,
so a 1 s ``stop_grace_period`` keeps each teardown short.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from platforms_fixtures import HTTPD_IMAGE, JOB_IMAGE, http_get, swarm, wait_for  # noqa: F401 - fixture
from crossdock.adapters.model import Plan
from crossdock.adapters.swarm.adapter import SwarmAdapter
from crossdock.adapters.swarm.stack import NAMESPACE_LABEL
from crossdock.errors import DeployFailed, PlatformRejected
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

pytestmark = pytest.mark.platform

WAIT = 90.0
SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
secrets:
  token: {{from_file: token.txt}}
services:
  web:
    image: {httpd}
    env: {{GREETING: "{greeting}", PORT: 8080}}
    files:
      - {{path: /etc/app/app.conf, content: "mode = test $HOME\\n"}}
    secrets:
      - {{secret: token, path: /run/secrets/token}}
    ports:
      - {{name: http, port: 8080}}
    health:
      readiness:
        http: {{path: /healthz, port: http}}
        interval: 1s
    x-swarm:
      ports: [{{target: 8080, published: {port}, protocol: tcp, mode: host}}]
      deploy: {{update_config: {{order: stop-first}}}}
      stop_grace_period: 1s
  worker:
    image: {httpd}
    env: {{PORT: 8081}}
    replicas: {replicas}
    x-swarm: {{stop_grace_period: 1s}}
jobs:
  once:
    image: {job}
    env: {{MESSAGE: migrated}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App:
    """One test app: writes its spec, renders it, and talks to the adapter."""

    def __init__(self, tmp_path: Path, adapter: SwarmAdapter) -> None:
        self.name = f"cdt{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.dir = tmp_path
        self.adapter = adapter

    def render(self, greeting: str = "hello $USD", replicas: int = 1, token: str = "s3cret",
               body: str | None = None) -> tuple[LoadedSpec, Bundle]:
        (self.dir / "token.txt").write_text(token)
        text = body or SPEC
        (self.dir / "app.yaml").write_text(text.format(app=self.name, httpd=HTTPD_IMAGE, job=JOB_IMAGE,
                                                       greeting=greeting, port=self.port, replicas=replicas))
        spec = load(str(self.dir / "app.yaml"))
        return spec, get("swarm").translate(spec)

    def deploy(self, **kw: Any) -> Plan:
        return self.adapter.deploy(*self.render(**kw))

    def get(self, path: str) -> str:
        status, body = wait_for(lambda: http_get(f"http://127.0.0.1:{self.port}{path}"), 30, f"GET {path}")
        assert status == 200, body
        return str(body)


@pytest.fixture
def adapter(swarm: Any) -> SwarmAdapter:
    return SwarmAdapter(client=swarm, poll_interval=0.5)


@pytest.fixture
def app(tmp_path: Path, adapter: SwarmAdapter, swarm: Any) -> Iterator[App]:
    a = App(tmp_path, adapter)
    yield a
    try:
        adapter.destroy(a.name)
    finally:
        subprocess.run(["docker", "stack", "rm", a.name], capture_output=True, check=False)


def labelled(swarm: Any, app: str) -> dict[str, list[str]]:
    """Everything on the engine that carries the app's stack label, by kind."""
    f = {"label": f"{NAMESPACE_LABEL}={app}"}
    api = swarm.api
    return {k: v for k, v in {
        "services": [s["Spec"]["Name"] for s in api.services(filters=f)],
        "configs": [c["Spec"]["Name"] for c in api.configs(filters=f)],
        "secrets": [s["Spec"]["Name"] for s in api.secrets(filters=f)],
        "networks": [n["Name"] for n in api.networks(filters=f)],
        "containers": [c["Names"][0] for c in api.containers(all=True, filters=f)],
        "volumes": [v["Name"] for v in api.volumes(filters=f).get("Volumes") or []],
    }.items() if v}


def versions(swarm: Any, app: str) -> dict[str, int]:
    return {s["Spec"]["Name"]: s["Version"]["Index"]
            for s in swarm.api.services(filters={"label": f"{NAMESPACE_LABEL}={app}"})}


def test_deploy_serves_env_config_secret_and_second_deploy_changes_nothing(app: App, swarm: Any) -> None:
    plan = app.deploy()
    assert {(c.action, c.kind) for c in plan.changes} >= {("create", "service"), ("create", "config"),
                                                           ("create", "secret"), ("create", "network")}
    status = app.adapter.wait(app.name, WAIT)
    assert status.ready

    assert "GREETING=hello $USD" in app.get("/env")
    assert app.get("/file?path=/etc/app/app.conf") == "mode = test $HOME\n"
    # The image answers `$(cat FILE)` plus a newline; the file itself holds the value exactly.
    assert app.get("/file?path=/run/secrets/token") == "s3cret\n"

    ps = subprocess.run(["docker", "stack", "ps", app.name, "--format", "{{.Name}} {{.CurrentState}}"],
                        capture_output=True, text=True, check=True).stdout
    assert f"{app.name}_web.1 Running" in ps and f"{app.name}_worker.1 Running" in ps
    assert f"{app.name}_once." in ps

    before = versions(swarm, app.name)
    again = app.deploy()
    assert again.empty and app.adapter.plan(*app.render()).empty
    assert versions(swarm, app.name) == before  # nothing was sent

    assert any("listening on :8080" in line for line in app.adapter.logs(app.name, "web"))
    followed = app.adapter.logs(app.name, "web", follow=True)
    assert "listening on :8080" in next(iter(followed))
    followed.close()
    with pytest.raises(PlatformRejected, match="no workload 'nope'"):
        list(app.adapter.logs(app.name, "nope"))


def test_status_shape_and_constant_api_calls(app: App, swarm: Any) -> None:
    calls: list[str] = []
    send = swarm.api.send

    def counting(request: Any, **kw: Any) -> Any:
        calls.append(request.path_url)
        return send(request, **kw)

    app.deploy()
    app.adapter.wait(app.name, WAIT)
    swarm.api.send = counting
    try:
        status = app.adapter.status(app.name)
        one = len(calls)
        app.deploy(replicas=3)
        app.adapter.wait(app.name, WAIT)
        calls.clear()
        scaled = app.adapter.status(app.name)
        three = len(calls)
    finally:
        swarm.api.send = send
    assert one == three == status.api_calls == scaled.api_calls == 4

    by_name = {w.name: w for w in status.workloads}
    assert sorted(by_name) == ["once", "web", "worker"]
    web, once = by_name["web"], by_name["once"]
    assert (web.kind, web.desired, web.running, web.healthy, web.image) == ("service", 1, 1, 1, HTTPD_IMAGE)
    assert [(i.state, bool(i.node)) for i in web.instances] == [("healthy", True)]
    assert once.kind == "job" and [(r.state, r.exit_code) for r in once.runs] == [("succeeded", 0)]
    worker = {w.name: w for w in scaled.workloads}["worker"]
    assert (worker.desired, worker.running, worker.healthy, len(worker.instances)) == (3, 3, 3, 3)
    doc = scaled.to_dict()
    assert doc["ready"] is True and doc["target"] == "swarm" and doc["workloads"][0]["ready"] is True


def test_deploy_env_change_planned_and_rolled_out(app: App, swarm: Any) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    old_versions = versions(swarm, app.name)

    plan = app.adapter.plan(*app.render(greeting="hello again"))
    assert [(c.action, c.kind, c.name, c.fields) for c in plan.changes] == [
        ("update", "service", f"{app.name}_web", ("environment.GREETING",))]
    assert app.deploy(greeting="hello again") == plan
    app.adapter.wait(app.name, WAIT)
    wait_for(lambda: "GREETING=hello again" in app.get("/env"), 60, "the new env served")
    new_versions = versions(swarm, app.name)
    # Only the changed service was updated: the job did not run again.
    assert {n for n in new_versions if new_versions[n] != old_versions[n]} == {f"{app.name}_web"}


def test_deploy_scale_1_3_1(app: App) -> None:
    for step, replicas in enumerate((1, 3, 1)):
        plan = app.deploy(replicas=replicas)
        if step > 0:
            assert [(c.name, c.fields) for c in plan.changes] == [(f"{app.name}_worker", ("deploy.replicas",))]
        status = app.adapter.wait(app.name, WAIT)
        worker = {w.name: w for w in status.workloads}["worker"]
        assert (worker.desired, worker.healthy) == (replicas, replicas)
    wait_for(lambda: len({w.name: w for w in app.adapter.status(app.name).workloads}["worker"].instances) == 1,
             60, "the extra replicas to go")


def test_deploy_new_secret_value_rolls_new_version(app: App, swarm: Any) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    plan = app.deploy(token="rotated")
    kinds = {(c.action, c.kind): c for c in plan.changes}
    assert kinds[("update", "service")].fields == ("secrets",) and ("create", "secret") in kinds
    app.adapter.wait(app.name, WAIT)
    wait_for(lambda: app.get("/file?path=/run/secrets/token") == "rotated\n", 60, "the rotated secret")
    assert len(labelled(swarm, app.name)["secrets"]) == 2  # the previous version stays for rollback


BROKEN = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  sick:
    image: {httpd}
    env: {{UNHEALTHY: "1"}}
    health:
      liveness:
        exec: [/bin/healthcheck]
        interval: 1s
        retries: 1
  nowhere:
    image: {httpd}
    placement:
      constraints: {{never: "true"}}
"""


def test_wait_broken_services_fail_with_swarm_reasons(app: App) -> None:
    app.adapter.deploy(*app.render(body=BROKEN))
    with pytest.raises(DeployFailed) as info:
        app.adapter.wait(app.name, 25)
    failures = info.value.failures
    # (a missing image fails the wait early: test_swarm_wait)
    assert "unhealthy container" in failures["sick"]
    assert "no suitable node" in failures["nowhere"]
    assert all(f"\n  {name}: " in str(info.value) for name in ("sick", "nowhere"))


FAILING_JOB = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
jobs:
  migrate:
    image: {job}
    env: {{EXIT_CODE: 1}}
"""


def test_wait_failing_job_fails_fast_with_exit_code(app: App) -> None:
    app.adapter.deploy(*app.render(body=FAILING_JOB))
    with pytest.raises(DeployFailed) as info:
        app.adapter.wait(app.name, WAIT)
    assert info.value.failures == {"migrate": "task: non-zero exit (1)"}
    runs = app.adapter.status(app.name).workloads[0].runs
    assert runs[-1].state == "failed" and runs[-1].exit_code == 1


def test_destroy_removes_app_and_keeps_foreign_objects(app: App, swarm: Any) -> None:
    app.deploy()
    app.adapter.wait(app.name, WAIT)
    foreign_name = f"foreign{uuid.uuid4().hex[:8]}"
    foreign = swarm.services.create(HTTPD_IMAGE, name=foreign_name)
    # Same stack label, not made by crossdock: destroy must leave it.
    foreign_config = swarm.configs.create(name=f"{app.name}_theirs", data=b"x",
                                          labels={NAMESPACE_LABEL: app.name})
    try:
        removed = app.adapter.destroy(app.name)
        assert {r.split()[0] for r in removed} >= {"service", "config", "secret", "network"}
        assert labelled(swarm, app.name) == {"configs": [f"{app.name}_theirs"]}
        assert swarm.services.get(foreign.id).name == foreign_name
        assert app.adapter.status(app.name).workloads == ()
        assert app.adapter.destroy(app.name) == []
    finally:
        foreign.remove()
        foreign_config.remove()


def test_deploy_rejections_are_crossdock_errors(app: App) -> None:
    # Refused by crossdock's own check, by the docker CLI's schema, and by the engine's API.
    external = SPEC.replace("token: {{from_file: token.txt}}", "token: {{external: true}}")
    with pytest.raises(PlatformRejected, match=f"external secret.*{app.name}_token"):
        app.adapter.deploy(*app.render(body=external))
    rejected = SPEC.replace("deploy: {{update_config: {{order: stop-first}}}}",
                            "deploy: {{update_config: {{order: sideways}}}}")
    with pytest.raises(PlatformRejected, match="order must be one of"):
        app.adapter.deploy(*app.render(body=rejected))
    with pytest.raises(PlatformRejected, match="creating secret .*: the Docker engine refused: .*secret data must be") as info:
        app.adapter.deploy(*app.render(token="x" * 600_000))
    assert "xxxx" not in str(info.value)
    assert isinstance(info.value.__cause__, docker.errors.APIError)  # chained, not leaked


def test_deploy_with_external_secret_present_uses_it(app: App, swarm: Any) -> None:
    # The other side of the check above: an external secret that exists is found (the deploy
    # lists secrets only for a spec that names external ones) and reaches the container.
    external = SPEC.replace("token: {{from_file: token.txt}}", "token: {{external: true}}")
    theirs = swarm.secrets.create(name=f"{app.name}_token", data=b"from-outside")
    try:
        plan = app.adapter.deploy(*app.render(body=external))
        assert not plan.empty
        app.adapter.wait(app.name, 120)
        assert app.get("/file?path=/run/secrets/token") == "from-outside\n"  # the test server ends each file with a newline
        assert f"{app.name}_token" not in labelled(swarm, app.name).get("secrets", [])  # not crossdock's
    finally:
        app.adapter.destroy(app.name)
        theirs.remove()


EXAMPLE = Path(__file__).parents[2] / "examples" / "shop" / "app.yaml"


def test_canonical_example_deploys_and_names_the_unschedulable_service(app: App, swarm: Any) -> None:
    # The canonical example under this test's app name and a free published port. Its cache
    # is constrained to nodes labelled disk=ssd, which this single node is not.
    overlay = app.dir / "overlay.yaml"
    overlay.write_text(f"metadata: {{name: {app.name}}}\nservices:\n  web:\n    ports:\n"
                       f"      - {{name: http, port: 8080, publish: true, published_port: {app.port}}}\n")
    spec = load(str(EXAMPLE), overlays=[str(overlay)])
    external = swarm.secrets.create(name=f"{app.name}_api-token", data=b"token", labels={"crossdock.test": "1"})
    try:
        plan = app.adapter.deploy(spec, get("swarm").translate(spec))
        assert {c.name for c in plan.changes if c.kind == "service"} == {
            f"{app.name}_{s}" for s in ("web", "api", "api-metrics", "cache", "migrate")}
        seen: list[int] = []
        with pytest.raises(DeployFailed) as info:
            app.adapter.wait(app.name, 40, progress=lambda s: seen.append(len(s.workloads)))
        assert info.value.failures == {"cache": "no suitable node (scheduling constraints not satisfied on 1 node)"}
        assert seen and set(seen) == {5}
        status = {w.name: w for w in app.adapter.status(app.name).workloads}
        assert (status["web"].desired, status["web"].healthy) == (2, 2)
        assert status["migrate"].runs[-1].state == "succeeded"
        app.adapter.destroy(app.name)
        assert swarm.secrets.get(external.id).name == f"{app.name}_api-token"  # not crossdock's: kept
    finally:
        external.remove()


def test_adapter_context_argument_reaches_the_engine(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text("{}")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    subprocess.run(["docker", "context", "create", "cdt-local", "--docker", "host=unix:///var/run/docker.sock"],
                   check=True, capture_output=True)
    adapter = SwarmAdapter(context="cdt-local", poll_interval=0.5)
    app.adapter = adapter
    app.deploy()
    assert adapter.wait(app.name, WAIT).ready
    assert adapter.plan(*app.render()).empty


ROLLBACK = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
services:
  web:
    image: {httpd}
    env: {{UNHEALTHY: "{greeting}"}}
    health:
      readiness:
        exec: [/bin/healthcheck]
        interval: 1s
        retries: 1
    update: {{auto_rollback: true, deadline: 30s}}
    x-swarm: {{stop_grace_period: 1s}}
"""


def test_wait_failed_update_rolls_back_and_fails(app: App) -> None:
    app.deploy(body=ROLLBACK, greeting="0")
    app.adapter.wait(app.name, WAIT)
    plan = app.deploy(body=ROLLBACK, greeting="1")
    assert [c.fields for c in plan.changes] == [("environment.UNHEALTHY",)]
    with pytest.raises(DeployFailed) as info:
        app.adapter.wait(app.name, WAIT)
    assert info.value.failures["web"].startswith("update rollback")
    # Swarm put the previous spec back: the plan wants the broken version again.
    assert [c.fields for c in app.adapter.plan(*app.render(body=ROLLBACK, greeting="1")).changes] == [
        ("environment.UNHEALTHY",)]
