"""How a Swarm service's container runs: user, privileges, working directory, host name, stop.

The docker CLI's stack loader turns ``user``, ``read_only``, ``cap_add``/``cap_drop``,
``working_dir``, ``hostname``, ``stop_grace_period`` and ``stop_signal`` into the service's
ContainerSpec (``cli/compose/convert/service.go``); it ignores ``privileged`` and
``security_opt`` (``types.UnsupportedProperties``: "Ignoring unsupported options"), so
``privileged`` and ``no_new_privileges`` are reported, not written.  Docker takes a group only
after a user (``user[:group]``): a group alone is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossdock.specs.model import Security, Step, Workload
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report
from crossdock.translators.swarm import units


@dataclass(frozen=True)
class RuntimeView:
    user: str | None = None
    read_only: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    working_dir: str | None = None
    hostname: str | None = None
    stop_grace_period: str | None = None
    stop_signal: str | None = None


def _user(sec: Security, at: Path, report: Report) -> str | None:
    if sec.user is None:
        if sec.group is not None:
            report.note("security_group_only", (*at, "group"))
        return None
    report.note("security_user", (*at, "user"))
    return str(sec.user) if sec.group is None else f"{sec.user}:{sec.group}"


def runtime(w: Workload | Step, path: Path, report: Report, grace: str | None = None) -> RuntimeView:
    """The container fields of a workload, or of a step rendered as a service of its own
    (``grace``: its workload's stop grace period, which a pod's sidecars share)."""
    sec = w.security
    at: Path = (*path, "security")
    user, read_only, add, drop = None, False, [], []
    if sec is not None:
        user = _user(sec, at, report)
        read_only = sec.read_only_root
        if sec.capabilities is not None:
            add, drop = list(sec.capabilities.add), list(sec.capabilities.drop)
        if sec.privileged:
            report.note("security_privileged", (*at, "privileged"))
        if sec.no_new_privileges:
            report.note("security_no_new_privileges", (*at, "no_new_privileges"))
    if isinstance(w, Step):
        return RuntimeView(user, read_only, add, drop, w.working_dir, None,
                           units.spec_duration(grace) if grace is not None else None)
    return RuntimeView(
        user, read_only, add, drop, w.working_dir, w.hostname,
        units.spec_duration(w.stop_grace_period) if w.stop_grace_period is not None else None, w.stop_signal)
