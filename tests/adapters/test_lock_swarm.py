"""The deploy lock of the Swarm adapter (config ``crossdock-lock-<app>``) on the real local
swarm (scripts/platforms): concurrent deploys, a deploy killed with SIGKILL, stale locks."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platforms_fixtures import HTTPD_IMAGE, stack_name, swarm  # noqa: F401 - fixtures
from crossdock.adapters.lock import Holder
from crossdock.adapters.swarm.adapter import SwarmAdapter
from crossdock.adapters.swarm.lock import ConfigLock
from crossdock.adapters.swarm.stack import NAMESPACE_LABEL
from crossdock.errors import PlatformRejected
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

pytestmark = pytest.mark.platform


def render(tmp_path: Path, app: str, services: list[str], greeting: str = "one") -> tuple[LoadedSpec, Bundle]:
    lines = ["apiVersion: crossdock/v1", "kind: App", f"metadata: {{name: {app}}}", "services:"]
    lines += [f"  {s}: {{image: '{HTTPD_IMAGE}', replicas: 1, env: {{PORT: '8080', GREETING: {greeting}}}, "
              f"x-swarm: {{stop_grace_period: 1s}}}}" for s in services]
    (tmp_path / "app.yaml").write_text("\n".join(lines) + "\n")
    spec = load(str(tmp_path / "app.yaml"))
    return spec, get("swarm").translate(spec)


def services(swarm: Any, app: str) -> set[str]:
    return {s.name for s in swarm.services.list(filters={"label": f"{NAMESPACE_LABEL}={app}"})}


def lock_config(swarm: Any, app: str) -> Any:
    return next((c for c in swarm.configs.list() if c.name == f"crossdock-lock-{app}"), None)


@pytest.fixture
def app(swarm: Any, stack_name: str) -> Iterator[str]:
    yield stack_name
    left = lock_config(swarm, stack_name)
    if left is not None:
        left.remove()


@pytest.fixture
def adapter(swarm: Any) -> SwarmAdapter:
    return SwarmAdapter(client=swarm, poll_interval=0.5)


def test_lock_swarm_concurrent_deploy_refused(adapter: SwarmAdapter, swarm: Any, app: str, tmp_path: Path) -> None:
    spec, bundle = render(tmp_path, app, ["web", "worker"])
    inside, go_on = threading.Event(), threading.Event()
    real = adapter._stack_deploy

    def blocking(*args: Any) -> None:
        inside.set()
        assert go_on.wait(60)
        real(*args)

    adapter._stack_deploy = blocking  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def first() -> None:
        try:
            adapter.deploy(spec, bundle)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(60)
    cfg = lock_config(swarm, app)
    assert cfg is not None
    holder = cfg.attrs["Spec"]["Labels"]["crossdock.lock.holder"]
    other = SwarmAdapter(client=swarm)
    with pytest.raises(PlatformRejected, match=rf"another crossdock deploy of {app} is running \(holder "
                                               rf"{re.escape(holder)}, since "):
        other.deploy(spec, bundle)
    go_on.set()
    t.join(120)
    assert not errors
    assert services(swarm, app) == {f"{app}_web", f"{app}_worker"}
    assert lock_config(swarm, app) is None
    assert other.plan(spec, bundle).empty


def test_lock_swarm_gone_after_failed_deploy_and_stale_taken_over(
        adapter: SwarmAdapter, swarm: Any, app: str, tmp_path: Path) -> None:
    spec, bundle = render(tmp_path, app, ["web"])

    def broken(*args: Any) -> None:
        raise RuntimeError("boom in the middle of a deploy")

    real = adapter._stack_deploy
    adapter._stack_deploy = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="boom"):
        adapter.deploy(spec, bundle)
    assert lock_config(swarm, app) is None
    adapter._stack_deploy = real  # type: ignore[method-assign]
    old = time.time() - 600
    assert ConfigLock(adapter.api, app).create(Holder("deadhost+1+abcd", old, old + 120)) is not None
    adapter.deploy(spec, bundle)
    assert adapter.last_lock_note and f"took over the stale deploy lock of {app}" in adapter.last_lock_note
    assert "deadhost+1+abcd" in adapter.last_lock_note
    assert lock_config(swarm, app) is None
    assert services(swarm, app) == {f"{app}_web"}


def test_lock_swarm_renewal_keeps_lock_and_is_refused_once_taken(adapter: SwarmAdapter, app: str) -> None:
    from crossdock.adapters.lock import acquire
    lock = acquire(app, ConfigLock(adapter.api, app), ttl=60)
    before = lock.holder
    lock.renew()
    assert lock.holder.expires > before.expires and lock.holder.version != before.version
    assert ConfigLock(adapter.api, app).replace(before, before) is None  # an old version cannot write
    lock.release()
    assert ConfigLock(adapter.api, app).read() is None


CHILD = """
import sys, time
from crossdock.adapters.swarm.adapter import SwarmAdapter
from crossdock.specs.loader import load
from crossdock.translators.base import get
spec = load({spec!r})
a = SwarmAdapter()
a.lock_ttl = 3.0
real = a._stack_deploy
def slow(*args):
    real(*args)
    print("HALFWAY", flush=True)
    time.sleep(600)
a._stack_deploy = slow
a.deploy(spec, get("swarm").translate(spec))
"""


def test_lock_swarm_killed_deploy_converges(adapter: SwarmAdapter, swarm: Any, app: str, tmp_path: Path) -> None:
    adapter.deploy(*render(tmp_path, app, ["web", "old"]))
    spec, bundle = render(tmp_path, app, ["web", "new"], greeting="two")  # drops `old`, adds `new`
    code = CHILD.format(spec=str(tmp_path / "app.yaml"))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "HALFWAY"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    # killed after `docker stack deploy`, before the dropped service was removed
    assert services(swarm, app) == {f"{app}_web", f"{app}_old", f"{app}_new"}
    assert lock_config(swarm, app) is not None
    deadline = time.monotonic() + 30
    while True:
        try:
            adapter.deploy(spec, bundle)
            break
        except PlatformRejected as e:  # the killed deploy's lock is still live: expires in 3 s
            assert "another crossdock deploy" in str(e)
            assert time.monotonic() < deadline
            time.sleep(0.5)
    assert adapter.last_lock_note and f"took over the stale deploy lock of {app}" in adapter.last_lock_note
    assert services(swarm, app) == {f"{app}_web", f"{app}_new"}
    assert lock_config(swarm, app) is None
    assert adapter.plan(spec, bundle).empty
