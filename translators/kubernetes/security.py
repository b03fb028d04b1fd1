"""A container's securityContext, and the pod-level fields beside it (hostname, grace period).

Kubernetes runs a container as numeric ids only (``runAsUser``/``runAsGroup``): a user or group
given by name is reported and left to the image.  ``no_new_privileges`` is
``allowPrivilegeEscalation: false``, which the API server refuses beside ``privileged: true``
(a privileged container can always gain privileges): there it is reported and left out.
Capabilities keep the spec's names (no ``CAP_`` prefix), as the pod API spells them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from crossdock.specs.model import Security, Workload
from crossdock.specs.types import duration_seconds
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True)
class SecurityView:
    run_as_user: int | None = None
    run_as_group: int | None = None
    read_only_root: bool = False
    add: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    privileged: bool = False
    allow_privilege_escalation: bool | None = None


def security_context(sec: Security | None, path: Path, report: Report) -> SecurityView | None:
    """The container's securityContext for ``sec`` (None when it sets nothing)."""
    if sec is None:
        return None
    at: Path = (*path, "security")
    ids: dict[str, int | None] = {"user": None, "group": None}
    for which in ids:
        value = getattr(sec, which)
        if isinstance(value, int):
            ids[which] = value
            report.note("security_user", (*at, which))
        elif value is not None:
            report.note("security_user_name", (*at, which))
    if sec.read_only_root:
        report.note("security_read_only_root", (*at, "read_only_root"))
    caps = sec.capabilities
    if caps is not None and (caps.add or caps.drop):
        report.note("security_capabilities", (*at, "capabilities"))
    if sec.privileged:
        report.note("security_privileged", (*at, "privileged"))
    escalation: bool | None = None
    if sec.no_new_privileges:
        if sec.privileged:
            report.note("security_no_new_privileges", (*at, "no_new_privileges"), "a privileged container can "
                        "always gain privileges: the API server refuses allowPrivilegeEscalation: false beside "
                        "privileged: true, not rendered")
        else:
            report.note("security_no_new_privileges", (*at, "no_new_privileges"))
            escalation = False
    view = SecurityView(ids["user"], ids["group"], sec.read_only_root, list(caps.add) if caps else [],
                        list(caps.drop) if caps else [], sec.privileged, escalation)
    return None if view == SecurityView() else view


def pod_hostname(w: Workload, path: Path, report: Report) -> str | None:
    """``spec.hostname``: a DNS-1123 label; a dotted name keeps its first label (reported)."""
    if w.hostname is None:
        return None
    first: str = w.hostname.split(".", 1)[0]
    at: Path = (*path, "hostname")
    if len(first) > 63 or not _DNS1123_LABEL.fullmatch(first):
        report.note("hostname", at, f"{first!r} is not a DNS label: not rendered")
        return None
    if first != w.hostname:
        report.note("hostname", at, f"rendered as {first!r}")
    return first


def grace_seconds(w: Workload, path: Path, report: Report) -> int | None:
    """``terminationGracePeriodSeconds`` (whole seconds, rounded up) for ``stop_grace_period``."""
    if w.stop_grace_period is None:
        return None
    exact = duration_seconds(w.stop_grace_period)
    seconds = math.ceil(exact)
    at: Path = (*path, "stop_grace_period")
    if seconds != exact:
        report.note("stop_grace_period", at, f"Kubernetes counts it in whole seconds: {w.stop_grace_period} "
                    f"becomes {seconds}s")
    else:
        report.note("stop_grace_period", at)
    return seconds
