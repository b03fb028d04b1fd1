"""How a task's container runs: user, privileges, working directory, stop signal and timeout.

The user is the task's ``user`` (the docker driver passes it to Docker as ``user[:group]``);
the rest is docker driver config: ``readonly_rootfs``, ``cap_add``/``cap_drop``,
``privileged``, ``security_opt = ["no-new-privileges"]``, ``work_dir``.  Clients refuse a
privileged task unless their docker plugin sets ``allow_privileged``, and an added capability
outside its ``allow_caps`` (by default the list below), so both are reported.  A stop grace
period is ``kill_timeout``, which a client caps at its ``max_kill_timeout`` (30s by default):
a longer one is reported.  The host name is the group network's ``hostname`` in bridge mode
(Docker refuses a container host name in another container's network namespace), the
container's otherwise.
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.model import Security, Step, Workload
from crossdock.specs.types import duration_seconds
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report

# The docker plugin's default allow_caps (Nomad drivers/shared/capabilities: HCLSpecLiteral).
DEFAULT_ALLOW_CAPS = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
MAX_KILL_TIMEOUT_S = 30  # the client's default max_kill_timeout
_S = 10**9


def _security(task: dict[str, Any], config: dict[str, Any], sec: Security, at: Path, report: Report) -> None:
    if sec.user is not None:
        report.note("security_user", (*at, "user"))
        task["User"] = str(sec.user) if sec.group is None else f"{sec.user}:{sec.group}"
    elif sec.group is not None:
        report.note("security_group_only", (*at, "group"))
    if sec.read_only_root:
        config["readonly_rootfs"] = True
    caps = sec.capabilities
    if caps is not None:
        if caps.add:
            config["cap_add"] = list(caps.add)
            outside = [c for c in caps.add if c not in DEFAULT_ALLOW_CAPS]
            if outside:
                report.note("security_capabilities", (*at, "capabilities", "add"), f"{', '.join(outside)} "
                            "outside the default")
        if caps.drop:
            config["cap_drop"] = list(caps.drop)
    if sec.privileged:
        report.note("security_privileged", (*at, "privileged"))
        config["privileged"] = True
    if sec.no_new_privileges:
        config["security_opt"] = ["no-new-privileges"]


def kill_timeout(w: Workload, path: Path, report: Report) -> int | None:
    """``kill_timeout`` in nanoseconds for the workload's stop grace period (reported above the
    clients' default cap)."""
    if w.stop_grace_period is None:
        return None
    seconds = duration_seconds(w.stop_grace_period)
    if seconds > MAX_KILL_TIMEOUT_S:
        report.note("stop_grace_period", (*path, "stop_grace_period"), f"{w.stop_grace_period} becomes "
                    f"{MAX_KILL_TIMEOUT_S}s on a client with the default")
    return round(seconds * _S)


def apply(task: dict[str, Any], w: Workload | Step, path: Path, report: Report, grace_ns: int | None) -> None:
    """Set the task's (and its docker config's) fields for ``w``'s security, working
    directory and stop behaviour; ``grace_ns``: the workload's kill_timeout, which its
    sidecars share, as a pod's containers share Kubernetes' grace period."""
    config: dict[str, Any] = task["Config"]
    if w.security is not None:
        _security(task, config, w.security, (*path, "security"), report)
    if w.working_dir is not None:
        config["work_dir"] = w.working_dir
    if grace_ns is not None:
        task["KillTimeout"] = grace_ns
    if isinstance(w, Workload) and w.stop_signal is not None:
        task["KillSignal"] = w.stop_signal
