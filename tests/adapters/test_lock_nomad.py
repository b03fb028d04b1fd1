"""The deploy lock of the Nomad adapter (Variable ``crossdock/locks/<app>``, written with
``cas=0``) against the Nomad STAND-IN (tests/adapters/nomad_standin.py), not Nomad: it shows the
adapter uses Nomad's published check-and-set API as the stand-in serves it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from crossdock.adapters.lock import Holder
from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.adapters.nomad.lock import VariableLock
from crossdock.errors import PlatformRejected
from nomad_fixtures import adapter, settle, shop, standin  # noqa: F401 - fixtures
from nomad_standin import NomadStandIn

HERE = Path(__file__).parent
LOCK = ("default", "crossdock/locks/shop")
SHOP_JOBS = {"shop", "shop-migrate", "shop-nightly-report"}


def _jobs(standin: NomadStandIn) -> set[str]:
    return {j for (ns, j) in standin.state.jobs if ns == "default"}


def _second(standin: NomadStandIn) -> NomadAdapter:
    return NomadAdapter(address=standin.address, token=standin.token, timeout=5, poll_interval=0.02,
                        destroy_timeout=5)


def test_nomad_standin_lock_concurrent_deploy_refused(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    inside, go_on = threading.Event(), threading.Event()
    real = adapter.conn.client.jobs.register_job

    def blocking(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        assert go_on.wait(30)
        return real(*args, **kwargs)

    adapter.conn.client.jobs.register_job = blocking
    errors: list[BaseException] = []

    def first() -> None:
        try:
            adapter.deploy(*shop())
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(30)
    with pytest.raises(PlatformRejected, match=r"another crossdock deploy of shop is running \(holder .*\+\d+\+"
                                               r"[0-9a-f]+, since \d{4}-"):
        _second(standin).deploy(*shop())
    go_on.set()
    t.join(30)
    assert not errors
    assert _jobs(standin) == SHOP_JOBS
    assert LOCK not in standin.state.variables
    settle(standin)
    assert _second(standin).plan(*shop()).empty


def test_nomad_standin_lock_gone_after_deploy_and_after_failure(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    assert LOCK not in standin.state.variables
    assert adapter.last_lock_note is None

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom in the middle of a deploy")

    adapter.conn.client.job.plan_job = broken
    with pytest.raises(RuntimeError, match="boom"):
        adapter.deploy(*shop())
    assert LOCK not in standin.state.variables


def test_nomad_standin_lock_stale_taken_over(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    backend = VariableLock(adapter.conn, "shop")
    old = time.time() - 600
    assert backend.create(Holder("deadhost+1+abcd", old, old + 120)) is not None
    plan = adapter.deploy(*shop())
    assert {c.name for c in plan.changes if c.kind == "job"} == SHOP_JOBS
    assert adapter.last_lock_note and "took over the stale deploy lock of shop" in adapter.last_lock_note
    assert "deadhost+1+abcd" in adapter.last_lock_note
    assert LOCK not in standin.state.variables


def test_nomad_standin_lock_live_refused_names_holder(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    backend = VariableLock(adapter.conn, "shop")
    now = time.time()
    assert backend.create(Holder("otherhost+42+beef", now, now + 120)) is not None
    with pytest.raises(PlatformRejected, match=r"holder otherhost\+42\+beef"):
        adapter.deploy(*shop())
    assert _jobs(standin) == set()
    assert standin.state.variables[LOCK]["Items"]["holder"] == "otherhost+42+beef"  # not ours to remove


CHILD = """
import sys, time
sys.path[:0] = {paths!r}
from crossdock.adapters.nomad.adapter import NomadAdapter
from nomad_fixtures import shop
a = NomadAdapter(address={address!r}, token={token!r}, timeout=5)
a.lock_ttl = 2.0
real = a.conn.client.jobs.register_job
def slow(*args, **kwargs):
    out = real(*args, **kwargs)
    print("REGISTERED", flush=True)
    time.sleep(600)
    return out
a.conn.client.jobs.register_job = slow
a.deploy(*shop())
"""


def test_nomad_standin_lock_killed_deploy_converges(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    code = CHILD.format(paths=[str(HERE), str(HERE.parent)], address=standin.address, token=standin.token)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "REGISTERED"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert len(_jobs(standin)) == 1  # killed after its first job
    assert LOCK in standin.state.variables
    # renewed every 0.5 s until the kill: live for at least 1.5 s more
    assert float(standin.state.variables[LOCK]["Items"]["expires"]) - time.time() > 1.0
    with pytest.raises(PlatformRejected, match="another crossdock deploy of shop is running"):
        adapter.deploy(*shop())
    time.sleep(max(0.0, float(standin.state.variables[LOCK]["Items"]["expires"]) - time.time()) + 0.1)
    adapter.deploy(*shop())
    assert adapter.last_lock_note and "took over the stale deploy lock of shop" in adapter.last_lock_note
    assert _jobs(standin) == SHOP_JOBS
    assert LOCK not in standin.state.variables
    settle(standin)
    assert adapter.plan(*shop()).empty


def test_nomad_standin_lock_renewal_cas(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    from crossdock.adapters.lock import acquire
    lock = acquire("shop", VariableLock(adapter.conn, "shop"), ttl=60)
    before = lock.holder
    lock.renew()
    assert lock.holder.expires > before.expires and lock.holder.version != before.version
    assert VariableLock(adapter.conn, "shop").replace(before, before) is None  # an old index cannot write
    lock.release()
    assert LOCK not in standin.state.variables


def test_nomad_standin_lock_renewed_while_a_long_deploy_runs(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.lock_ttl = 0.4  # renewed every 0.1 s
    inside, go_on = threading.Event(), threading.Event()
    real = adapter.conn.client.jobs.register_job

    def blocking(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        assert go_on.wait(30)
        return real(*args, **kwargs)

    adapter.conn.client.jobs.register_job = blocking
    t = threading.Thread(target=lambda: adapter.deploy(*shop()))
    t.start()
    assert inside.wait(30)
    time.sleep(1.2)  # three lifetimes: only renewal keeps it
    with pytest.raises(PlatformRejected, match="another crossdock deploy of shop is running"):
        _second(standin).deploy(*shop())
    go_on.set()
    t.join(30)
    assert LOCK not in standin.state.variables and _jobs(standin) == SHOP_JOBS


def test_nomad_standin_lock_errors_are_crossdock_errors(standin: NomadStandIn) -> None:
    from crossdock.errors import PlatformForbidden, PlatformUnauthorized, PlatformUnreachable
    bad = NomadAdapter(address=standin.address, token="not-a-token", timeout=5)
    with pytest.raises(PlatformUnauthorized):
        bad.deploy(*shop())
    read_only = NomadAdapter(address=standin.address, token=standin.read_token, timeout=5)
    with pytest.raises(PlatformForbidden, match="deploy lock"):
        read_only.deploy(*shop())
    gone = NomadAdapter(address="http://127.0.0.1:9", token=standin.token, timeout=2)
    with pytest.raises(PlatformUnreachable, match="deploy lock"):
        gone.deploy(*shop())
