"""Logging is configured once, by the CLI: a message reaches stderr exactly once.

Before, the CLI configured nothing: the lock's ``log.warning`` went out through Python's
last-resort handler and the command printed ``Adapter.last_lock_note`` too, so a stale-lock
takeover was said twice.  Here the adapter is a small fake that runs the real lock code
(adapters/lock.py) against an in-memory lock store; the command is the real ``deploy``, run in
a process of its own: inside pytest, pytest's own log handlers stand where the last-resort
handler would speak, and would hide a second print."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crossdock.adapters import lock
from crossdock.adapters.model import Plan
from crossdock.cli import platform_commands
from crossdock.cli.main import main
from crossdock.errors import PlatformError

SPEC = """apiVersion: crossdock/v1
kind: App
metadata: {name: shop}
services:
  web: {image: nginx}
"""


class MemoryLocks:
    """One app's lock in memory, with the compare-and-set the platforms give (lock.LockBackend)."""

    where = "the test's memory"

    def __init__(self, holder: lock.Holder | None, delete_fails: bool = False) -> None:
        self.holder = holder
        self.delete_fails = delete_fails
        self.version = 0

    def create(self, holder: lock.Holder) -> lock.Holder | None:
        if self.holder is not None:
            return None
        return self._store(holder)

    def read(self) -> lock.Holder | None:
        return self.holder

    def replace(self, old: lock.Holder, new: lock.Holder) -> lock.Holder | None:
        if self.holder is None or self.holder.version != old.version:
            return None
        return self._store(new)

    def delete(self, holder: lock.Holder) -> None:
        if self.delete_fails:
            raise PlatformError("the lock store went away")
        if self.holder is not None and self.holder.version == holder.version:
            self.holder = None

    def _store(self, holder: lock.Holder) -> lock.Holder:
        self.version += 1
        self.holder = replace(holder, version=str(self.version))
        return self.holder


class LockingAdapter:
    """Deploys nothing; holds the app's lock while it does, as every real adapter does."""

    target = "nomad"

    def __init__(self, backend: MemoryLocks, fail: bool = False) -> None:
        self.backend = backend
        self.fail = fail
        self.last_lock_note: str | None = None

    def deploy(self, spec: Any, bundle: Any) -> Plan:
        with lock.held(spec.app.name, self.backend) as held:
            self.last_lock_note = held.note
            if self.fail:
                raise PlatformError("the platform refused the job")
        return Plan(self.target, spec.app.name)


def stale() -> lock.Holder:
    old = time.time() - 3600
    return lock.Holder("deadhost+1+abcd", old, old + 120)


SCENARIOS = {"takeover": "LockingAdapter(MemoryLocks(stale()))",
             "lock-left": "LockingAdapter(MemoryLocks(None, delete_fails=True), fail=True)"}


def deploy_process(tmp_path: Path, scenario: str) -> subprocess.CompletedProcess[str]:
    """``crossdock deploy -t nomad --no-wait`` in a new process, with the SCENARIOS adapter."""
    spec = tmp_path / "app.yaml"
    spec.write_text(SPEC)
    code = (f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from test_cli_logging import LockingAdapter, MemoryLocks, stale\n"
            "from crossdock.cli import platform_commands\n"
            "from crossdock.cli.main import main\n"
            f"adapter = {SCENARIOS[scenario]}\n"
            "platform_commands.make_adapter = lambda *args, **kwargs: adapter\n"
            f"sys.exit(main(['deploy', {str(spec)!r}, '-t', 'nomad', '--no-wait']))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, adapter: LockingAdapter) -> int:
    spec = tmp_path / "app.yaml"
    spec.write_text(SPEC)
    monkeypatch.setattr(platform_commands, "make_adapter", lambda *args, **kwargs: adapter)
    return main(["deploy", str(spec), "-t", "nomad", "--no-wait"])


def test_cli_logging_stale_lock_takeover_said_once(tmp_path: Path) -> None:
    proc = deploy_process(tmp_path, "takeover")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("took over the stale deploy lock of shop") == 1, proc.stderr
    assert "note: took over the stale deploy lock of shop" in proc.stderr and "deadhost+1+abcd" in proc.stderr


def test_cli_logging_warning_printed_once_with_prefix(tmp_path: Path) -> None:
    # The deploy fails and so does deleting its lock: the lock logs a warning (adapters/lock.py,
    # held()), which the CLI's one handler prints as `crossdock: ...`, beside the error itself.
    proc = deploy_process(tmp_path, "lock-left")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("could not delete the deploy lock of shop") == 1, proc.stderr
    assert "crossdock: could not delete the deploy lock of shop (it expires by itself): the lock store went " \
        "away" in proc.stderr.splitlines()
    assert proc.stderr.count("the platform refused the job") == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_logging_configured_once_across_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # main() is called again in the same process (as here and by embedding callers): the
    # handler is not added a second time.
    for _ in range(3):
        adapter = LockingAdapter(MemoryLocks(None, delete_fails=True), fail=True)
        assert deploy(tmp_path, monkeypatch, adapter) == 1
        assert capsys.readouterr().err.count("could not delete the deploy lock") == 1
