"""One target's live run: the app under test, how it is changed, and how it is watched.

Every change goes through the same path as ``crossdock deploy``: the spec is loaded with the
user's --env/--set/--overlay plus one overlay of our own (the unique app name, the replica
count, the env value an update changes...), rendered, and handed to the adapter.  Timings start
when the adapter's ``deploy`` is called (crossdock's lock, diff and apply are part of what the
platform takes to act on a change; loading and rendering are not).  The app is watched through
the adapter's ``status``, as ``crossdock status`` sees it.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import yaml

from crossdock.adapters.compare.model import Timeline
from crossdock.adapters.compare.reach import Endpoint
from crossdock.adapters.model import AppStatus, WorkloadStatus
from crossdock.errors import CrossdockError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

if TYPE_CHECKING:
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.compare.hooks import CompareHooks

# The env var the update scenario changes by default: ours, so no value of the app changes
# meaning; the test image shows it at /env.
REVISION_VAR = "CROSSDOCK_COMPARE_REVISION"
# Set on the job to make each job run a new one (a changed spec is a new Job on Kubernetes, a
# new iteration of a Swarm replicated job).
RUN_VAR = "CROSSDOCK_COMPARE_RUN"


class ScenarioFailed(CrossdockError):
    """A scenario did not reach its end state in time, or the platform refused a step."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM during a run.  A KeyboardInterrupt, not a CrossdockError: it must pass
    every ``except CrossdockError`` and ``except Exception`` on its way to the teardown."""


@dataclass
class Guard:
    """Shared with the signal handler (cli.compare): while ``tearing_down``, a first signal is
    only noted so the teardown finishes; ``interrupted`` stops the run after it."""

    tearing_down: bool = False
    interrupted: bool = False


def merge(base: dict[str, Any], change: Mapping[str, Any]) -> None:
    for k, v in change.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)


@dataclass
class Session:
    target: str
    hooks: CompareHooks  # the target's: its adapter, endpoint and kill filters
    spec_file: str
    env: str | None
    set_vars: Mapping[str, str]
    overlays: tuple[str, ...]
    app: str
    workdir: Path
    service: str
    job: str | None
    replicas: int | None  # the service's replica count in the spec; None: autoscaled
    port: int
    port_name: str | None
    probe_path: str
    update_var: str
    update_base: str  # the spec's value of update_var ("" when the spec does not set it)
    timeout: float
    poll: float
    guard: Guard
    say: Callable[[str], None]
    state: dict[str, Any] = field(default_factory=dict)
    endpoint: Endpoint | None = None
    docker: Any = None
    revision: int = 1
    job_run: int = 1
    allowed: tuple[str, ...] = ()  # --allow-path folders
    per_node: bool = False  # the service runs one replica per node (mode per_node): it cannot be scaled

    def __post_init__(self) -> None:
        self.state = {"metadata": {"name": self.app},
                      "services": {self.service: {"env": {self.update_var: self.value(1)}}}}
        if self.job:
            self.state["jobs"] = {self.job: {"env": {RUN_VAR: "1"}}}

    @property
    def adapter(self) -> Adapter:
        return self.hooks.adapter

    def value(self, revision: int) -> str:
        """The update variable's value at ``revision`` (1: what the first deploy sets)."""
        if self.update_var == REVISION_VAR:
            return str(revision)
        return self.update_base if revision == 1 else f"{self.update_base}-r{revision}"

    def prepare(self, change: Mapping[str, Any] | None = None) -> tuple[LoadedSpec, Bundle]:
        """The spec with ``change`` merged into our overlay, rendered. Raises CrossdockError."""
        if change:
            merge(self.state, change)
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / f"{self.target}-overlay.yaml"
        path.write_text(yaml.safe_dump(self.state, sort_keys=True))
        spec = load(self.spec_file, env=self.env, overlays=(*self.overlays, str(path)), set_vars=dict(self.set_vars), allowed=self.allowed)
        return spec, get(self.target).translate(spec)

    def apply(self, spec: LoadedSpec, bundle: Bundle) -> float:
        """Deploy; returns the moment the adapter was called (time.monotonic)."""
        t0 = time.monotonic()
        self.adapter.deploy(spec, bundle)
        return t0

    def submit(self, change: Mapping[str, Any] | None = None) -> float:
        spec, bundle = self.prepare(change)
        return self.apply(spec, bundle)

    def status(self) -> AppStatus:
        return self.adapter.status(self.app)

    def workload(self, st: AppStatus, name: str | None = None) -> WorkloadStatus | None:
        name = name or self.service
        return next((w for w in st.workloads if w.name == name), None)

    def observe(self, done: Callable[[AppStatus], bool], t0: float, timeline: Timeline | None, what: str,
                timeout: float | None = None) -> tuple[AppStatus, float]:
        """Poll the status until ``done``; each poll is a timeline sample of the service under
        test.  Returns the status and the seconds since ``t0`` when it was seen.
        Raises ScenarioFailed after the timeout, PlatformError."""
        limit = self.timeout if timeout is None else timeout
        while True:
            st = self.status()
            now = time.monotonic() - t0
            w = self.workload(st)
            if timeline is not None:
                timeline.samples.append((round(now, 3), w.healthy if w else 0, w.desired if w else 0))
            if done(st):
                return st, now
            if now > limit:
                seen = f"{w.healthy}/{w.desired} healthy" if w else "not seen"
                raise ScenarioFailed(f"{what}: not reached within {limit:.0f}s ({self.service}: {seen})")
            time.sleep(self.poll)

    def services_ready(self, st: AppStatus) -> bool:
        return all(w.healthy >= w.desired and w.running >= w.desired for w in st.workloads if w.kind == "service")
