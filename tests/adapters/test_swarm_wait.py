"""When a Swarm wait gives up early, and why: the task rules of ``swarm_status`` (missing image,
crash loop) on hand-made task lists, then on the real swarm."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from early_spec import EARLY

from crossdock.adapters.swarm.status import CRASH_LOOP, build

CS = {"Image": "i:1"}
NODES = [{"ID": "n1", "Description": {"Hostname": "node-1"}, "Status": {"State": "ready"}, "Spec": {}}]


def task(tid: str, state: str, err: str | None = None, exit_code: int | None = None, spec: Any = None,
         desired: str = "shutdown") -> dict[str, Any]:
    status: dict[str, Any] = {"State": state, "Message": state, "Timestamp": f"2026-01-01T00:00:0{tid}Z"}
    if err:
        status["Err"] = err
    if exit_code is not None:
        status["ContainerStatus"] = {"ContainerID": f"c{tid}", "ExitCode": exit_code}
    return {"ID": tid, "ServiceID": "s", "NodeID": "n1", "Slot": 1, "DesiredState": desired, "Status": status,
            "CreatedAt": f"2026-01-01T00:00:0{tid}Z", "Spec": {"ContainerSpec": spec or CS}}


def service(**extra: Any) -> dict[str, Any]:
    return {"ID": "s", "Spec": {"Name": "shop_web", "Mode": {"Replicated": {"Replicas": 1}},
                                "TaskTemplate": {"ContainerSpec": CS}}} | extra


def failed(tasks: list[dict[str, Any]], **extra: Any) -> dict[str, str]:
    return build("shop", [service(**extra)], tasks, NODES, [], 4).failed


def test_status_rejected_no_such_image_fails_for_good() -> None:
    err = "No such image: crossdock-test/no-such-image:1.0"
    assert failed([task("1", "rejected", err=err)]) == {"web": f"image missing: {err}"}


def test_status_crash_loop_after_repeated_failures_of_the_current_spec() -> None:
    crash = [task(str(i), "failed", err="task: non-zero exit (3)", exit_code=3) for i in range(1, CRASH_LOOP + 1)]
    assert failed(crash[:-1]) == {}
    assert failed(crash) == {"web": f"crash loop: {CRASH_LOOP} tasks failed, the last with exit code 3: "
                                    f"task: non-zero exit (3)"}


def test_status_failures_of_a_previous_spec_or_during_an_update_do_not_count() -> None:
    old = [task(str(i), "failed", err="task: non-zero exit (1)", exit_code=1, spec={"Image": "i:0"})
           for i in range(1, CRASH_LOOP + 1)]
    assert failed(old) == {}
    crash = [task(str(i), "failed", err="task: non-zero exit (3)", exit_code=3) for i in range(1, CRASH_LOOP + 1)]
    assert failed(crash, UpdateStatus={"State": "updating"}) == {}  # Swarm's failure action decides


# ---- on the real swarm -------------------------------------------------------------------------

LONG = 180.0  # far above how long an early failure takes


@pytest.fixture
def swarm_app(swarm: Any, tmp_path: Path) -> Any:
    from crossdock.adapters.swarm.adapter import SwarmAdapter
    from crossdock.specs.loader import load
    from crossdock.translators.base import get
    name = f"cdw{uuid.uuid4().hex[:8]}"
    adapter = SwarmAdapter(client=swarm, poll_interval=0.5)

    def deploy(image: str) -> str:
        (tmp_path / "app.yaml").write_text(EARLY.format(app=name, image=image, rollback="false"))
        spec = load(str(tmp_path / "app.yaml"))
        adapter.deploy(spec, get("swarm").translate(spec))
        return name

    yield deploy
    try:
        adapter.destroy(name)
    finally:
        subprocess.run(["docker", "stack", "rm", name], capture_output=True, check=False)


def timed_failure(swarm: Any, app: str) -> tuple[float, Any]:
    from crossdock.adapters.swarm.adapter import SwarmAdapter
    from crossdock.errors import DeployFailed
    t0 = time.monotonic()
    with pytest.raises(DeployFailed) as err:
        SwarmAdapter(client=swarm, poll_interval=0.5).wait(app, LONG)
    return time.monotonic() - t0, err.value


@pytest.mark.platform
def test_wait_missing_image_fails_early_with_the_reason(swarm: Any, swarm_app: Any) -> None:
    app = swarm_app("crossdock-test/no-such-image:1.0")
    took, err = timed_failure(swarm, app)
    assert took < 60, took
    assert err.failures == {"web": "image missing: No such image: crossdock-test/no-such-image:1.0"}
    assert "within" not in str(err)  # not the timeout's message


@pytest.mark.platform
def test_wait_crash_loop_fails_early_with_the_exit_code(swarm: Any, swarm_app: Any) -> None:
    from platforms_fixtures import JOB_IMAGE
    app = swarm_app(JOB_IMAGE)
    took, err = timed_failure(swarm, app)
    assert took < 90, took
    assert set(err.failures) == {"web"}
    assert err.failures["web"].startswith(f"crash loop: {CRASH_LOOP} tasks failed, the last with exit code 3"), err


@pytest.mark.platform
def test_wait_pauses_end_when_a_container_of_the_app_starts_and_not_for_others(swarm: Any) -> None:
    """The event stream cuts a pause short for the app's containers only, and is closed after."""
    from crossdock.adapters.swarm.adapter import _ContainerEvents
    app = f"cde{uuid.uuid4().hex[:8]}"
    names = [f"{app}-own", f"{app}-foreign"]
    try:
        with _ContainerEvents(swarm.api, app) as events:
            assert events._stream is not None  # the engine serves /events: the listener runs
            t0 = time.monotonic()
            events.pause(0.3)  # nothing happens: the whole pause
            assert time.monotonic() - t0 >= 0.29
            subprocess.run(["docker", "run", "-d", "--name", names[1], "--label",
                            f"com.docker.stack.namespace={app}-other", "crossdock-test/pause:1.0"],
                           check=True, capture_output=True)
            t0 = time.monotonic()
            events.pause(1.0)  # a foreign container's start does not wake it
            assert time.monotonic() - t0 >= 0.99
            subprocess.run(["docker", "run", "-d", "--name", names[0], "--label",
                            f"com.docker.stack.namespace={app}", "crossdock-test/pause:1.0"],
                           check=True, capture_output=True)
            t0 = time.monotonic()
            events.pause(20.0)
            assert time.monotonic() - t0 < 5.0  # woken by the start (or by its event already there)
        assert events._stream is None  # closed on leaving
    finally:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, check=False)
