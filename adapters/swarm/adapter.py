"""Docker Swarm adapter: deploy, plan, status, wait, destroy and logs of a rendered stack.

How it deploys, and why: docker-py has no stack API, and a stack file (the translator's
output, with the ``x-swarm`` escape hatch merged in) means exactly what the docker CLI's
compose loader makes of it.  Rather than re-implement that loader (defaults, unit parsing,
networks, volume labels, every key an ``x-swarm`` block may add), ``deploy`` hands the CLI a
stack file holding only the services that must be created or updated:
``docker stack deploy --resolve-image never``.  Everything else goes through the API: the
plan (what differs from the running services), creating the app's secrets from the spec's
values (a file cannot carry them), removing services the spec dropped and old config and
secret versions, status, wait, destroy and logs.  Unchanged services are never sent, so a
second deploy of an unchanged spec calls nothing and a job that did not change does not run
again.  Names and labels are the CLI's (``<app>_<name>``, ``com.docker.stack.namespace``),
plus crossdock's ownership labels, so ``docker stack ps/rm <app>`` work too.  See
``swarm.stack`` for naming, versioned secrets and the plan, ``swarm.status`` for counting.

The routing mesh is the user's business: ports are published as the stack says (``ingress``
unless an ``x-swarm`` block says ``mode: host``).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping


from crossdock.adapters import polling
from crossdock.adapters.swarm import client as sc
from crossdock.adapters.base import Progress
from crossdock.adapters.lock import TTL, held
from crossdock.adapters.model import AppStatus, Plan
from crossdock.adapters.swarm.lock import ConfigLock
from crossdock.adapters.swarm.stack import (
    NAMESPACE_LABEL,
    SECRET_KEY_LABEL,
    DeployPlan,
    DesiredStack,
    Observed,
    compute_plan,
    desired_stack,
    owner_filter,
    owner_labels,
    scoped,
)
from crossdock.adapters.swarm.status import Snapshot, build, not_ready_reasons
from crossdock.errors import DeployFailed, PlatformError, PlatformRejected, PlatformTimeout

if TYPE_CHECKING:  # annotations only: status, logs and destroy by app name load no spec model
    from crossdock.specs.loader import LoadedSpec
    from crossdock.translators.base import Bundle
    from crossdock.translators.support import Target

# `docker stack rm` is asynchronous: tasks stop within their stop grace period (10 s by
# default), then networks can go.  Two minutes covers a few slow containers.
DESTROY_TIMEOUT = 120.0
_TASK_SERVICE_LABEL = "com.docker.swarm.service.id"
# The failures of one broken deploy surface seconds apart (a missing image at once, a failing
# health check after its retries): after the first that will not heal, wait up to this long
# for the other unfinished workloads to show a reason, so that one message names them all.
REPORT_GRACE = 10.0


class SwarmAdapter:
    """Deploys to the Swarm manager that the docker CLI would use: the ``context`` argument,
    else DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH in ``environ`` (default: the
    process environment), else DOCKER_CONTEXT or the CLI's current context
    (``swarm.client.resolve_context``).  ``client``, a ``docker.DockerClient``, replaces the
    API connection (tests).  Raises nothing on construction: the engine is first contacted by
    the first call."""

    target: Target = "swarm"

    def __init__(self, *, context: str | None = None, environ: Mapping[str, str] | None = None,
                 client: Any = None, poll_interval: float = 1.0) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._context = sc.resolve_context(context, self._environ)
        self._client = client
        self._poll = poll_interval
        self.lock_ttl = TTL  # seconds the deploy lock lives without renewal (see adapters.lock)
        self.last_lock_note: str | None = None  # set when the last deploy took over a stale lock

    @property
    def api(self) -> Any:
        """The low-level client, connected on first use. Raises PlatformUnreachable."""
        if self._client is None:
            self._client = sc.connect(self._context, self._environ)
        return self._client.api

    # ------------------------------------------------------------------ plan and deploy

    def _desired(self, spec: LoadedSpec, bundle: Bundle) -> DesiredStack:
        values = {k: v.reveal() for k, v in spec.secret_values.items()}
        return desired_stack(spec.app.name, bundle.files, bundle.primary, values)

    def _observe(self, app: str) -> Observed:
        ns = {"label": f"{NAMESPACE_LABEL}={app}"}
        owned = {"label": owner_filter(app)}
        api = self.api
        services = sc.call("listing services", api.services, filters=ns)
        configs = sc.call("listing configs", api.configs, filters=owned)
        secrets = sc.call("listing secrets", api.secrets, filters=owned)
        networks = sc.call("listing networks", api.networks, filters=ns)
        return Observed(
            services=list(services),
            configs={str(c["Spec"]["Name"]): dict(c["Spec"].get("Labels") or {}) for c in configs},
            secrets={str(s["Spec"]["Name"]): dict(s["Spec"].get("Labels") or {}) for s in secrets},
            networks={str(n["Name"]) for n in networks},
        )

    def _plan(self, spec: LoadedSpec, bundle: Bundle) -> tuple[DesiredStack, DeployPlan]:
        desired = self._desired(spec, bundle)
        return desired, compute_plan(desired, self._observe(spec.app.name))

    def plan(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """What ``deploy`` would change: services created / updated (with the changed fields)
        / deleted, networks, configs and secret versions created or deleted.  Swarm has no
        server-side dry run; this compares with what runs. Raises PlatformError."""
        return self._plan(spec, bundle)[1].plan

    def deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """Create or update the app; returns what changed (empty: nothing was called).

        Holds the app's deploy lock, the config ``crossdock-lock-<app>``, meanwhile (see
        ``adapters.lock``).  Raises PlatformRejected (another deploy of the app holds the lock,
        an external secret is missing, the CLI or the engine refused an object),
        PlatformUnreachable, PlatformTimeout, PlatformError."""
        with held(spec.app.name, ConfigLock(self.api, spec.app.name), self.lock_ttl) as lock:
            self.last_lock_note = lock.note
            return self._deploy(spec, bundle)

    def _deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        app = spec.app.name
        desired, dp = self._plan(spec, bundle)
        if dp.plan.empty:
            return dp.plan
        api = self.api
        missing: list[str] = []
        if desired.external_secrets:  # one list call, only for a spec that names external secrets
            existing = {str(s["Spec"]["Name"]) for s in sc.call("listing secrets", api.secrets)}
            missing = [n for n in desired.external_secrets if n not in existing]
        if missing:
            raise PlatformRejected(
                f"app {app}: external secret(s) {', '.join(missing)} do not exist on the swarm; create each with "
                f"`printf %s VALUE | docker secret create NAME -`")
        for name in dp.create_secrets:
            key = desired.owned_secrets[name]
            data = spec.secret_values[key].reveal().encode()
            sc.call(f"creating secret {name}", api.create_secret, name, data,
                    labels=owner_labels(app) | {SECRET_KEY_LABEL: key})
        for name in dp.recreate_services:
            sc.call(f"removing service {name} (its mode changes)", api.remove_service, name)
        if dp.cli_services:
            self._stack_deploy(desired, dp.cli_services)
        for name in dp.delete_services:
            sc.call(f"removing service {name}", api.remove_service, name)
        for name in dp.delete_configs:
            sc.call(f"removing old config {name}", api.remove_config, name)
        for name in dp.delete_secrets:
            sc.call(f"removing old secret {name}", api.remove_secret, name)
        return dp.plan

    def _stack_deploy(self, desired: DesiredStack, services: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="crossdock-swarm-") as tmp:
            root = Path(tmp)
            stack = root / f"{desired.app}.stack.yml"
            stack.write_text(desired.stack_file(only=services), encoding="utf-8")
            for rel, text in desired.config_files.items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            sc.stack_deploy(desired.app, stack.name, tmp, self._context, self._environ)

    # ------------------------------------------------------------------ status and wait

    def _snapshot(self, app: str) -> Snapshot:
        ns = {"label": f"{NAMESPACE_LABEL}={app}"}
        api = self.api
        services = sc.call("listing services", api.services, filters=ns)
        tasks = sc.call("listing tasks", api.tasks, filters=ns)
        nodes = sc.call("listing nodes", api.nodes)
        # Health is only visible for containers on the engine we talk to; elsewhere Swarm's
        # own task state (running = health check passed) stands.
        containers = sc.call("listing containers", api.containers, filters=ns)
        return build(app, services, tasks, nodes, containers, api_calls=4)

    def status(self, app: str) -> AppStatus:
        """The app's services and jobs in four API calls (services, tasks, nodes, containers,
        each listed by the stack label). Raises PlatformError."""
        return self._snapshot(app).status

    def wait(self, app: str, timeout: float, progress: Progress | None = None) -> AppStatus:
        """Poll until every service has its replicas healthy and every job completed.

        Raises DeployFailed naming each failing workload with Swarm's reason: early when a job
        runs out of retries, a rolling update pauses or rolls back, a service's image is not on
        the node or its tasks keep failing (``swarm.status``), after ``REPORT_GRACE`` at most
        for the other workloads to show theirs; else when ``timeout`` seconds pass.
        PlatformError for platform failures.  Between polls, the app's container events cut
        the pause short (``_ContainerEvents``)."""
        with _ContainerEvents(self.api, app) as events:
            return self._wait(app, timeout, progress, events)

    def _wait(self, app: str, timeout: float, progress: Progress | None, events: _ContainerEvents) -> AppStatus:
        deadline = time.monotonic() + timeout
        first: float | None = None
        while True:
            snap = self._snapshot(app)
            if progress is not None:
                progress(snap.status)
            now = time.monotonic()
            if snap.failed and first is None:
                first = now
            if first is None and snap.status.ready:  # a rolled back update is ready, and failed
                return snap.status
            if first is not None:
                reasons = not_ready_reasons(snap)
                unexplained = [w.name for w in snap.status.workloads
                               if not w.ready and w.name not in snap.failed and not w.errors]
                if now - first >= REPORT_GRACE or not unexplained or now >= deadline:
                    raise DeployFailed(_failure_message(app, reasons), reasons)
            elif now >= deadline:
                reasons = not_ready_reasons(snap)
                raise DeployFailed(_failure_message(app, reasons, timeout), reasons)
            events.pause(polling.interval(timeout - (deadline - now), self._poll, deadline - now))

    # ------------------------------------------------------------------ destroy and logs

    def destroy(self, app: str) -> list[str]:
        """Remove the app's services, then its configs, secrets, volumes and networks, all
        found by crossdock's ownership labels (networks, which the CLI labels with the stack
        namespace only, once no service of the stack is left), and wait until they are gone.
        Job containers that Swarm 20.10 leaves behind are removed too.

        Raises PlatformTimeout if tasks or networks linger past DESTROY_TIMEOUT, PlatformError."""
        api = self.api
        ns = {"label": f"{NAMESPACE_LABEL}={app}"}
        owned = {"label": owner_filter(app)}
        removed: list[str] = []
        services = sc.call("listing services", api.services, filters=owned)
        for s in services:
            sc.call(f"removing service {s['Spec']['Name']}", api.remove_service, s["ID"])
            removed.append(f"service {s['Spec']['Name']}")
        ids = {str(s["ID"]) for s in services}
        self._until(lambda: self._drain_containers(ids, owned), f"the containers of app {app} to stop")
        for c in sc.call("listing configs", api.configs, filters=owned):
            sc.call(f"removing config {c['Spec']['Name']}", api.remove_config, c["ID"])
            removed.append(f"config {c['Spec']['Name']}")
        for s in sc.call("listing secrets", api.secrets, filters=owned):
            sc.call(f"removing secret {s['Spec']['Name']}", api.remove_secret, s["ID"])
            removed.append(f"secret {s['Spec']['Name']}")
        volumes = (sc.call("listing volumes", api.volumes, filters=owned) or {}).get("Volumes") or []
        for v in volumes:
            sc.call(f"removing volume {v['Name']}", api.remove_volume, v["Name"])
            removed.append(f"volume {v['Name']}")
        if not sc.call("listing services", api.services, filters=ns):
            networks = sc.call("listing networks", api.networks, filters=ns)
            names = {str(n["Id"]): str(n["Name"]) for n in networks}
            self._until(lambda: self._remove_networks(names, ns), f"the networks of app {app} to go")
            removed += [f"network {n}" for n in sorted(names.values())]
        return removed

    def _drain_containers(self, service_ids: set[str], owned: dict[str, list[str]]) -> bool:
        """Remove the app's exited task containers (Swarm 20.10 leaves finished job containers
        behind, and containers of a swarm that was left); True once no container of the
        removed services is left."""
        left = sc.call("listing containers", self.api.containers, all=True, filters=owned)
        for c in left:
            if c.get("State") in ("exited", "created", "dead"):
                sc.call("removing a finished task container", self.api.remove_container, c["Id"], force=True)
        return not [c for c in left if str((c.get("Labels") or {}).get(_TASK_SERVICE_LABEL)) in service_ids]

    def _remove_networks(self, names: dict[str, str], ns: dict[str, str]) -> bool:
        present = {str(n["Id"]) for n in sc.call("listing networks", self.api.networks, filters=ns)}
        for nid in present & set(names):
            try:
                sc.call(f"removing network {names[nid]}", self.api.remove_network, nid)
            except PlatformRejected:
                pass  # endpoints still attached while tasks wind down: try again next round
        return not present & set(names)

    def _until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DESTROY_TIMEOUT
        while not done():
            if time.monotonic() >= deadline:
                raise PlatformTimeout(f"timed out after {DESTROY_TIMEOUT:.0f}s waiting for {what}")
            time.sleep(self._poll)

    def logs(self, app: str, workload: str, follow: bool = False) -> Iterator[str]:
        """The log lines of all tasks of ``workload`` (stdout and stderr), following new ones
        when ``follow``. Raises PlatformRejected when the app has no such workload, PlatformError."""
        name = scoped(app, workload)
        found = [s for s in sc.call("listing services", self.api.services, filters={"label": owner_filter(app)})
                 if s["Spec"]["Name"] == name]
        if not found:
            raise PlatformRejected(f"app {app} has no workload {workload!r} on this swarm (service {name})")
        tty = bool(found[0]["Spec"]["TaskTemplate"].get("ContainerSpec", {}).get("TTY", False))
        return self._lines(found[0]["ID"], name, follow, tty)

    def _lines(self, service_id: str, name: str, follow: bool, tty: bool) -> Iterator[str]:
        doing = f"reading the logs of {name}"
        with sc.api_errors(doing):
            chunks: Any = self.api.service_logs(service_id, stdout=True, stderr=True, follow=follow, is_tty=tty)
            rest = ""
            for chunk in chunks:
                rest += chunk.decode("utf-8", errors="replace") if isinstance(chunk, bytes) else str(chunk)
                *lines, rest = rest.split("\n")
                yield from lines
            if rest:
                yield rest


def _failure_message(app: str, reasons: dict[str, str], timeout: float | None = None) -> str:
    head = (f"app {app} did not become ready within {timeout:g}s" if timeout is not None
            else f"app {app} failed to deploy")
    return head + "".join(f"\n  {name}: {why}" for name, why in sorted(reasons.items()))


class _ContainerEvents:
    """Cuts a wait's pauses short when a container of the app starts, stops or changes health.

    Swarm has no event for a task's state, but on the engine crossdock talks to (a one-node
    swarm, or the manager's own tasks) the container events come first: a task moves to running
    when its container's health check passes (``health_status: healthy``).  So a wait polls as
    ``polling`` says and, while such events arrive, looks again at once: every ``SOON`` seconds
    for ``FOLLOW`` seconds after each event, since the agent reports the task's new state to the
    manager in batches up to ~0.1 s later.  The events come from one ``GET /events`` stream read
    by a daemon thread; if that stream fails or ends (an older engine, a proxy that buffers
    it), the wait is left to plain polling, as before.  The events carry nothing secret and are
    not kept: only their arrival counts."""

    SOON = 0.03
    FOLLOW = 0.3
    _ACTIONS = ["start", "die", "oom", "health_status"]  # health_status matches "health_status: ..."

    def __init__(self, api: Any, app: str) -> None:
        self._api = api
        self._filters = {"type": ["container"], "label": [f"{NAMESPACE_LABEL}={app}"], "event": self._ACTIONS}
        self._arrived = threading.Event()
        self._last = float("-inf")  # monotonic time of the last event
        self._stream: Any = None

    def __enter__(self) -> _ContainerEvents:
        try:
            self._stream = sc.call("watching container events", self._api.events, filters=self._filters, decode=True)
        except PlatformError:  # no events: plain polling; the snapshots report what is wrong
            return self
        threading.Thread(target=self._read, args=(self._stream,), name="crossdock-swarm-events", daemon=True).start()
        return self

    def _read(self, stream: Any) -> None:
        try:
            for _ in stream:
                self._last = time.monotonic()
                self._arrived.set()
        except Exception:  # noqa: BLE001 - the stream broke: the wait goes on polling
            pass

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the app's containers just changed."""
        if time.monotonic() - self._last < self.FOLLOW:
            seconds = min(seconds, self.SOON)
        if self._arrived.wait(seconds):
            self._arrived.clear()
            time.sleep(min(seconds, self.SOON))  # let a burst of events (all replicas at once) land

    def __exit__(self, *exc: object) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - closing a broken stream: nothing left to release
                pass
