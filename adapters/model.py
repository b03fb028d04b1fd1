"""What adapters report, in one shape for every platform.

``crossdock status -o json`` prints ``AppStatus.to_dict()``; the shape is documented in the
README and is identical across Kubernetes, Swarm and Nomad: a tool reading it never needs to
know which platform answered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

WorkloadKind = Literal["service", "job", "cron_job"]
# pending: accepted, not started (pulling, scheduling); running: started, health unknown or not
# checked; healthy: running and passing its checks; unhealthy: running and failing them;
# completed / failed: a run-to-completion instance that ended.
InstanceState = Literal["pending", "running", "healthy", "unhealthy", "completed", "failed"]
RunState = Literal["running", "succeeded", "failed"]
ChangeAction = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Instance:
    """One replica: a pod, a Swarm task, a Nomad allocation."""

    id: str
    state: InstanceState
    node: str | None = None
    restarts: int = 0
    message: str | None = None  # the platform's reason when not healthy (image missing, exit code...)


@dataclass(frozen=True)
class Run:
    """One run of a job or cron job."""

    id: str
    state: RunState
    started: str | None = None  # RFC 3339, as the platform reported it
    finished: str | None = None
    exit_code: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class WorkloadStatus:
    name: str
    kind: WorkloadKind
    desired: int
    running: int
    healthy: int
    image: str | None = None
    instances: tuple[Instance, ...] = ()
    runs: tuple[Run, ...] = ()
    errors: tuple[str, ...] = ()  # recent platform errors and events, newest last

    @property
    def ready(self) -> bool:
        if self.kind == "service":
            return self.healthy >= self.desired and self.running >= self.desired
        return bool(self.runs) and self.runs[-1].state == "succeeded" if self.kind == "job" else True


@dataclass(frozen=True)
class AppStatus:
    app: str
    target: str
    workloads: tuple[WorkloadStatus, ...] = ()
    api_calls: int = 0  # how many platform API calls this status took (constant per target)

    @property
    def ready(self) -> bool:
        return all(w.ready for w in self.workloads)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ready"] = self.ready
        for w, src in zip(out["workloads"], self.workloads):
            w["ready"] = src.ready
        return out


@dataclass(frozen=True)
class Change:
    action: ChangeAction
    kind: str  # the platform's object kind: Deployment, service, config, job...
    name: str
    fields: tuple[str, ...] = ()  # changed field paths, for updates
    # An update the platform cannot make in place (a Kubernetes Job's pod template is
    # immutable): the object is deleted and created again.
    recreate: bool = False


@dataclass(frozen=True)
class Plan:
    """What a deploy would do (``crossdock diff``), or did (``crossdock deploy``)."""

    target: str
    app: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.changes
