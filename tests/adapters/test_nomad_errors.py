"""Faults: the Nomad adapter turns every client failure into a crossdock error, with a message a
person can act on and no secret value in it. Run against the Nomad STAND-IN (not Nomad) and a
closed port."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any, Callable

import pytest

from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.errors import (CrossdockError, DeployFailed, PlatformError, PlatformForbidden, PlatformRejected,
                              PlatformTimeout, PlatformUnauthorized, PlatformUnreachable)
from crossdock.translators.base import Bundle
from nomad_fixtures import SHOP_SECRET, adapter, settle, shop, standin  # noqa: F401
from nomad_standin import NomadStandIn

Op = Callable[[NomadAdapter], Any]
OPS: dict[str, Op] = {
    "plan": lambda a: a.plan(*shop()),
    "deploy": lambda a: a.deploy(*shop()),
    "status": lambda a: a.status("shop"),
    "wait": lambda a: a.wait("shop", timeout=1),
    "destroy": lambda a: a.destroy("shop"),
    "logs": lambda a: list(a.logs("shop", "web")),
}
WRITES = ("plan", "deploy", "destroy")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _faulty(kind: str, standin: NomadStandIn) -> NomadAdapter:
    address, token, timeout = standin.address, standin.token, 5.0
    if kind == "unreachable":
        address = f"http://127.0.0.1:{_closed_port()}"
    elif kind == "wrong-token":
        token = "00000000-0000-0000-0000-000000000000"
    elif kind == "read-only-token":
        token = standin.read_token
    elif kind == "timeout":
        timeout = 0.2
    return NomadAdapter(address=address, token=token, timeout=timeout, environ={}, poll_interval=0.02,
                        destroy_timeout=1)


def _texts(e: BaseException) -> str:
    """Everything a traceback of ``e`` could show: messages and reprs down the cause chain."""
    out = []
    seen: BaseException | None = e
    while seen is not None:
        out += [str(seen), repr(seen), str(getattr(getattr(seen, "nomad_resp", None), "text", ""))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(out)


FAULTS = [("unreachable", op, PlatformUnreachable) for op in OPS] + \
         [("wrong-token", op, PlatformUnauthorized) for op in OPS] + \
         [("read-only-token", op, PlatformForbidden) for op in WRITES] + \
         [("timeout", op, PlatformTimeout) for op in OPS]


@pytest.mark.parametrize(("fault", "op", "expected"), FAULTS, ids=[f"{f}-{o}" for f, o, _ in FAULTS])
def test_nomad_errors_fault_becomes_crossdock_error(standin: NomadStandIn, adapter: NomadAdapter, fault: str, op: str,
                                                    expected: type[PlatformError],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    adapter.deploy(*shop())
    settle(standin)
    if fault == "timeout":
        standin.delay = 0.6
    with pytest.raises(CrossdockError) as info:
        OPS[op](_faulty(fault, standin))
    standin.delay = 0
    assert type(info.value) is expected, repr(info.value)
    assert type(info.value).__module__ == "crossdock.errors"  # no client exception escapes
    assert "Nomad" in str(info.value)
    assert SHOP_SECRET not in _texts(info.value) and SHOP_SECRET not in caplog.text


def test_nomad_errors_messages_say_what_to_do(standin: NomadStandIn) -> None:
    with pytest.raises(PlatformUnreachable, match="is the agent running and NOMAD_ADDR right"):
        _faulty("unreachable", standin).status("shop")
    with pytest.raises(PlatformUnauthorized, match="ACL token not found.*check NOMAD_TOKEN"):
        _faulty("wrong-token", standin).status("shop")
    with pytest.raises(PlatformForbidden, match="Permission denied"):
        _faulty("read-only-token", standin).deploy(*shop())
    with pytest.raises(PlatformTimeout, match="did not answer within 0.2s"):
        standin.delay = 0.6
        _faulty("timeout", standin).status("shop")


def _broken(bundle: Bundle, edit: Callable[[dict[str, Any]], None]) -> Bundle:
    files = dict(bundle.files)
    request = json.loads(files["nomad/shop.nomad.json"])
    edit(request["Job"])
    files["nomad/shop.nomad.json"] = json.dumps(request)
    return Bundle(bundle.target, files, bundle.warnings, bundle.primary)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda job: job["TaskGroups"][0].update(Count="two"), "(400): Request decode failed"),
    (lambda job: job.update(Type="daemon"), "(500): 1 error occurred"),
], ids=["mistyped-field", "invalid-job"])
def test_nomad_errors_rejected_job_carries_nomads_message(standin: NomadStandIn, adapter: NomadAdapter,
                                                          edit: Callable[[dict[str, Any]], None], message: str) -> None:
    spec, bundle = shop()
    with pytest.raises(PlatformRejected) as info:
        adapter.deploy(spec, _broken(bundle, edit))
    assert message in str(info.value) and "plan job 'shop'" in str(info.value)
    assert ("default", "shop") not in standin.state.jobs


def test_nomad_errors_job_changed_between_plan_and_register(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    jobs = adapter.conn.client.jobs
    original = jobs.register_job

    def someone_else_first(body: dict[str, Any]) -> Any:
        with standin.state.lock:
            other = json.loads(json.dumps(body))
            other["Job"]["Meta"]["team"] = "someone else"
            other.pop("EnforceIndex")
            standin.state.register("default", "global", other)
        return original(body)

    jobs.register_job = someone_else_first
    with pytest.raises(PlatformRejected, match="changed by someone else meanwhile"):
        adapter.deploy(*shop(GREETING="mine"))
    assert standin.state.jobs[("default", "shop")]["Meta"]["team"] == "someone else"


def test_nomad_errors_variable_conflict_hides_values(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    adapter.deploy(*shop())
    variables = adapter.conn.client.variable
    original = variables.create_variable

    def someone_else_first(path: str, payload: dict[str, Any], **kwargs: Any) -> Any:
        if path.startswith("crossdock/locks/"):  # the deploy lock: not a secret Variable
            return original(path, payload, **kwargs)
        with standin.state.lock:
            var = standin.state.variables[("default", path)]
            var["ModifyIndex"] = standin.state.next_index()
        return original(path, payload, **kwargs)

    variables.create_variable = someone_else_first
    with standin.state.lock:  # make the deploy write: crossdock's item was changed by hand
        standin.state.variables[("default", "nomad/jobs/shop")]["Items"]["db-password"] = "changed by hand"
    with pytest.raises(PlatformRejected, match="changed by someone else meanwhile") as info:
        adapter.deploy(*shop())
    assert SHOP_SECRET not in _texts(info.value) and "changed by hand" not in _texts(info.value)


def test_nomad_errors_not_json_is_a_platform_error(adapter: NomadAdapter) -> None:
    adapter.conn.client.jobs.get_jobs = lambda **kw: json.loads("<html>")
    with pytest.raises(PlatformError, match="not JSON"):
        adapter.status("shop")


def test_nomad_errors_wait_failure_is_deploy_failed(standin: NomadStandIn, adapter: NomadAdapter) -> None:
    standin.fail_group("shop", "cache", "driver", "Failed to pull `crossdock-test/httpd:1.0`: image not found")
    adapter.deploy(*shop())
    standin.advance(3)
    with pytest.raises(DeployFailed) as info:
        adapter.wait("shop", timeout=0.05)
    assert "cache" in info.value.failures and SHOP_SECRET not in _texts(info.value)
