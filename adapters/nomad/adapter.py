"""The Nomad adapter: deploys the translator's JSON jobs through Nomad's HTTP API (python-nomad).

- deploy: secret values first (Variables ``nomad/jobs/<job>``, see ``nomad.vars``), so that
  templates find them when allocations start; then each ``nomad/<job>.nomad.json`` of the bundle
  is planned (``POST /v1/job/:id/plan`` with Diff) and registered only when Nomad's own diff is
  not "None" (or the job was stopped): a second deploy of the same spec registers nothing.  The
  register passes ``EnforceIndex`` with the plan's ``JobModifyIndex``, so a job changed by
  someone else between plan and register is refused, not overwritten.  Jobs with crossdock's
  meta for the app that the bundle no longer has are deregistered (purged).
- status: a constant number of calls whatever the number of workloads: the jobs list
  (``?prefix=<app>&meta=true``, kept to crossdock's meta), the service job (one job holds every
  replicated service; a per_node service is a system job of its own, read from the list and its
  allocations), and the allocations and deployments of those jobs (one ``filter`` each).  A job
  whose type changes (a service turned per_node under the same job id) is purged and registered
  again: Nomad refuses a type change.
- wait: polls status; a deployment of what this adapter registered that failed (with auto
  revert, Nomad has rolled back) or a job run that failed ends the wait at once.
- destroy: Variables first (crossdock's items only), then every job with the app's meta is
  deregistered with purge, and the jobs list is polled until they are gone.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from crossdock.adapters.base import Progress
from crossdock.adapters.lock import TTL, held
from crossdock.adapters.model import AppStatus, Change, ChangeAction, Plan
from crossdock.adapters.nomad.conn import Connection, NomadSettings, not_found
from crossdock.adapters.nomad.lock import VariableLock
from crossdock.adapters.nomad.status import Obj, Snapshot, app_status, owned, reason, unplaced_system_services
from crossdock.adapters.nomad.vars import ItemChange, managed, merge, referenced, variable_path
from crossdock.errors import DeployFailed, InputError, PlatformError, PlatformTimeout

if TYPE_CHECKING:  # annotations only: status, logs and destroy by app name load no spec model
    from crossdock.specs.loader import LoadedSpec, SecretValue
    from crossdock.translators.base import Bundle
    from crossdock.translators.support import Target

log = logging.getLogger(__name__)


class NomadAdapter:
    target: Target = "nomad"

    def __init__(self, address: str | None = None, token: str | None = None, namespace: str | None = None,
                 region: str | None = None, ca_cert: str | None = None, client_cert: str | None = None,
                 client_key: str | None = None, skip_verify: bool | None = None, timeout: float | None = None,
                 environ: Mapping[str, str] | None = None, poll_interval: float = 1.0,
                 destroy_timeout: float = 120.0) -> None:
        """Arguments override NOMAD_ADDR, NOMAD_TOKEN, ... (see ``nomad.conn``)."""
        self.settings = NomadSettings.resolve(environ, address=address, token=token, namespace=namespace,
                                              region=region, ca_cert=ca_cert, client_cert=client_cert,
                                              client_key=client_key, skip_verify=skip_verify, timeout=timeout)
        self.conn = Connection(self.settings)
        self.poll_interval = poll_interval
        self.destroy_timeout = destroy_timeout
        self._registered: dict[str, int] = {}  # job id -> JobModifyIndex this adapter registered
        self.lock_ttl = TTL  # seconds the deploy lock lives without renewal (see adapters.lock)
        self.last_lock_note: str | None = None  # set when the last deploy took over a stale lock

    # ---- plan and deploy ---------------------------------------------------------------

    def plan(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """What deploy would change, from Nomad's plan diff. Raises PlatformError."""
        return self._apply(spec, bundle, dry_run=True)

    def deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """Write Variables, register changed jobs, prune jobs the spec dropped; returns what
        changed.  Holds the app's deploy lock, the Variable ``crossdock/locks/<app>``, meanwhile
        (see ``adapters.lock``).  Raises PlatformError (PlatformRejected with Nomad's message for
        a bad job, or when another deploy of the app holds the lock)."""
        with held(spec.app.name, VariableLock(self.conn, spec.app.name), self.lock_ttl) as lock:
            self.last_lock_note = lock.note
            return self._apply(spec, bundle, dry_run=False)

    def _apply(self, spec: LoadedSpec, bundle: Bundle, dry_run: bool) -> Plan:
        app = spec.app.name
        jobs = _bundle_jobs(bundle)
        secrets = tuple(v.reveal() for v in spec.secret_values.values())
        existing = {j["ID"]: j for j in self._owned_jobs(app) if not j.get("ParentID")}
        changes: list[Change] = []
        for job_id, request in jobs.items():
            for path, names in sorted(referenced(request["Job"]).items()):
                if path == variable_path(job_id):
                    wanted = {n: spec.secret_values[n] for n in sorted(names) if n in spec.secret_values}
                    changes += self._write_variable(path, wanted, dry_run, secrets)
        for job_id, request in jobs.items():
            was = existing.get(job_id, {}).get("Type")
            now = request["Job"].get("Type") or "service"
            if was is not None and was != now:
                # Nomad refuses to change a job's type ("cannot update job from type ..."): a
                # service that became per_node (or back) is purged and registered again.
                changes.append(Change("update", "job", job_id, ("Type",), recreate=True))
                if not dry_run:
                    self._deregister(job_id)
                    self._register(job_id, dict(request, EnforceIndex=True, JobModifyIndex=0), secrets)
                continue
            plan = self.conn.call(f"plan job {job_id!r}", self.conn.client.job.plan_job, job_id, request,
                                  diff=True, rejection=True, redact=secrets)
            diff = plan.get("Diff") or {}
            stopped = bool(existing.get(job_id, {}).get("Stop"))
            if diff.get("Type", "None") == "None" and not stopped and job_id in existing:
                continue
            action: ChangeAction = "update" if job_id in existing else "create"
            fields = tuple(_diff_fields(diff)) if action == "update" else ()
            changes.append(Change(action, "job", job_id, fields))
            if not dry_run:
                body = dict(request, EnforceIndex=True, JobModifyIndex=int(plan.get("JobModifyIndex") or 0))
                self._register(job_id, body, secrets)
        for job_id in sorted(set(existing) - set(jobs)):
            changes.append(Change("delete", "job", job_id))
            if not dry_run:
                self._deregister(job_id)
            changes += self._write_variable(variable_path(job_id), {}, dry_run, secrets)
        return Plan(self.target, app, tuple(changes))

    def _write_variable(self, path: str, wanted: Mapping[str, SecretValue], dry_run: bool,
                        secrets: tuple[str, ...]) -> list[Change]:
        """Set crossdock's items of one Variable to ``wanted`` (empty: remove them)."""
        current = self._read_variable(path)
        items = current.get("Items") if current else None
        change = merge(items, wanted)
        if change.same:
            return []
        action: ChangeAction = "delete" if change.items is None else ("create" if current is None else "update")
        if not dry_run:
            self._put_variable(path, change, int(current["ModifyIndex"]) if current else 0, secrets)
        return [Change(action, "variable", path, change.changed)]

    def _read_variable(self, path: str) -> Obj | None:
        try:
            var: Obj = self.conn.call(f"read variable {path!r}", self.conn.client.variable.get_variable, path,
                                      namespace=self.settings.namespace, secret_body=True)
            return var
        except PlatformError as e:
            if not_found(e):
                return None
            raise

    def _put_variable(self, path: str, change: ItemChange, cas: int, secrets: tuple[str, ...]) -> None:
        what = f"write variable {path!r}"
        if change.items is None:
            self.conn.call(what, self.conn.client.variable.delete_variable, path, cas=cas,
                           namespace=self.settings.namespace, secret_body=True)
        else:
            self.conn.call(what, self.conn.client.variable.create_variable, path,
                           {"Path": path, "Items": change.items}, cas=cas, rejection=True, redact=secrets,
                           namespace=self.settings.namespace, secret_body=True)
        log.debug("wrote Nomad variable %s (items changed: %s)", path, ", ".join(change.changed))

    def _register(self, job_id: str, body: Obj, secrets: tuple[str, ...]) -> None:
        out = self.conn.call(f"register job {job_id!r}", self.conn.client.jobs.register_job, body,
                             rejection=True, redact=secrets)
        self._registered[job_id] = int(out.get("JobModifyIndex") or 0)
        log.debug("registered Nomad job %s (eval %s)", job_id, out.get("EvalID"))

    def _deregister(self, job_id: str) -> None:
        try:
            self.conn.call(f"deregister job {job_id!r}", self.conn.client.job.deregister_job, job_id, purge=True)
        except PlatformError as e:
            if not not_found(e):
                raise

    # ---- status and wait ---------------------------------------------------------------

    def _owned_jobs(self, app: str) -> list[Obj]:
        stubs = self.conn.call(f"list jobs of app {app!r}", self.conn.client.jobs.get_jobs, prefix=app, meta=True)
        return owned(stubs, app)

    def _snapshot(self, app: str) -> Snapshot:
        jobs = self._owned_jobs(app)
        service = next((j for j in jobs if j["ID"] == app and j.get("Type") == "service"), None)
        service_job = None
        if service is not None:
            service_job = self.conn.call(f"read job {app!r}", self.conn.client.job.get_job, app)
        ids = [j["ID"] for j in jobs]
        allocs: list[Obj] = []
        deployments: list[Obj] = []
        if ids:
            expr = " or ".join(f"JobID == {json.dumps(i)}" for i in ids)
            # Deployments before allocations: a deployment fails after (because) its allocations
            # were marked unhealthy, so allocations read after a failed deployment show why. In
            # the other order a deployment that failed between the two reads came without reasons.
            # python-nomad's get_deployments has no filter argument: its request() takes any query.
            deployments = self.conn.call(f"list deployments of app {app!r}",
                                         lambda: self.conn.client.deployments.request(
                                             method="get", params={"filter": expr}).json())
            allocs = self.conn.call(f"list allocations of app {app!r}", self.conn.client.allocations.get_allocations,
                                    filter_=expr)
        snap = Snapshot(app, jobs, service_job, allocs, deployments)
        for dep in self._ours(deployments, app):
            if dep.get("Status") != "failed":
                continue
            # The deployment's unhealthy allocations may already be stopped (auto revert): their
            # reasons are read whatever their desired status. No unhealthy allocation (a missed
            # progress deadline): every group of the deployment is named.
            bad = {g: [a for a in allocs if a.get("DeploymentID") == dep.get("ID") and a.get("TaskGroup") == g
                       and ((a.get("DeploymentStatus") or {}).get("Healthy") is False
                            or a.get("ClientStatus") == "failed")]
                   for g in sorted(dep.get("TaskGroups") or {})}
            for group in [g for g, found in bad.items() if found] or list(bad):
                reasons = list(dict.fromkeys(r for r in map(reason, bad[group]) if r))
                snap.failed_deployments[group] = "; ".join(
                    reasons + [f"deployment failed: {dep.get('StatusDescription')}"])
        return snap

    def _ours(self, deployments: list[Obj], app: str) -> list[Obj]:
        """The service job's deployment of what this adapter registered, else its latest one."""
        mine = [d for d in deployments if d.get("JobID") == app]
        jmi = self._registered.get(app)
        if jmi is not None:
            return [d for d in mine if int(d.get("JobModifyIndex") or 0) == jmi][:1]
        return sorted(mine, key=lambda d: -int(d.get("CreateIndex") or 0))[:1]

    def status(self, app: str) -> AppStatus:
        """The app's status in at most four API calls. Raises PlatformError."""
        before = self.conn.calls
        snap = self._snapshot(app)
        return app_status(snap, self.conn.calls - before)

    def wait(self, app: str, timeout: float, progress: Progress | None = None) -> AppStatus:
        """Poll until ready. Raises DeployFailed naming each failing workload and Nomad's reason
        (at once when a deployment failed or a job run failed), PlatformError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            before = self.conn.calls
            snap = self._snapshot(app)
            status = app_status(snap, self.conn.calls - before)
            if progress is not None:
                progress(status)
            failed = {w.name: _why(w) for w in status.workloads
                      if w.name in snap.failed_deployments or (w.kind == "job" and w.runs
                                                                 and w.runs[-1].state == "failed")}
            deploying = any(d.get("Status") in ("running", "pending", "paused") for d in self._ours(snap.deployments,
                                                                                                      app))
            if failed:
                raise DeployFailed(_failure_text(app, failed, "failed"), failed)
            unplaced = unplaced_system_services(snap, status)
            if status.ready and not deploying and not unplaced:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                failing = {w.name: _why(w) for w in status.workloads if not w.ready or w.name in unplaced} or {
                    app: "a deployment is running"}
                raise DeployFailed(_failure_text(app, failing, f"is not ready after {timeout:g}s"), failing)
            time.sleep(min(self.poll_interval, left))

    # ---- destroy and logs --------------------------------------------------------------

    def destroy(self, app: str) -> list[str]:
        """Remove the app's Variables items and purge its jobs, then wait until they are gone;
        returns what was removed. Raises PlatformError (PlatformTimeout if they stay)."""
        jobs = self._owned_jobs(app)
        removed: list[str] = []
        for job in jobs:
            if job.get("ParentID"):
                continue
            path = variable_path(job["ID"])
            current = self._read_variable(path)
            if current and managed(current.get("Items") or {}):
                change = merge(current["Items"], {})
                self._put_variable(path, change, int(current["ModifyIndex"]), ())
                removed.append(f"variable {path}" + ("" if change.items is None else " (crossdock's items)"))
        for job in sorted(jobs, key=lambda j: (not j.get("ParentID"), j["ID"])):
            self._deregister(job["ID"])
            removed.append(f"job {job['ID']}")
        ids = {j["ID"] for j in jobs}
        deadline = time.monotonic() + self.destroy_timeout
        while ids & {j["ID"] for j in self._owned_jobs(app)}:
            if time.monotonic() >= deadline:
                raise PlatformTimeout(f"destroy {app!r}: Nomad still lists its jobs after {self.destroy_timeout:g}s")
            time.sleep(self.poll_interval)
        return removed

    def logs(self, app: str, workload: str, follow: bool = False) -> Iterator[str]:
        """The workload's main task's stdout, from each of its current allocations.
        Raises PlatformError (InputError if the app has no such workload)."""
        status = self.status(app)
        found = next((w for w in status.workloads if w.name == workload), None)
        if found is None:
            raise InputError(f"app {app!r} has no workload {workload!r} on Nomad "
                             f"(it has: {', '.join(w.name for w in status.workloads) or 'nothing'})")
        logs = self.conn.client.client.stream_logs
        for inst in found.instances:
            what = f"read logs of {workload!r} (allocation {inst.id[:8]})"
            if follow:
                resp = self.conn.call(what, logs.request, inst.id, method="get", stream=True, timeout=None,
                                      params={"task": workload, "type": "stdout", "follow": "true", "plain": "true"})
                try:
                    yield from (line for line in resp.iter_lines(decode_unicode=True))
                except Exception as e:  # requests' streaming errors, raised while iterating
                    raise self.conn.error(e, what) from e
            else:
                text = self.conn.call(what, logs.stream, inst.id, workload, "stdout", plain=True)
                yield from text.splitlines()


def _bundle_jobs(bundle: Bundle) -> dict[str, dict[str, Any]]:
    """{job id: register request} from the bundle's ``*.nomad.json`` files. Raises InputError."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(bundle.files):
        if not name.endswith(".nomad.json"):
            continue
        try:
            request = json.loads(bundle.files[name])
            job_id = request["Job"]["ID"]
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{name}: not a Nomad register request ({{\"Job\": {{...}}}}): {e}") from e
        out[str(job_id)] = request
    if not out:
        raise InputError("the bundle holds no Nomad JSON job (nomad/*.nomad.json); render with --target nomad")
    return out


def _diff_fields(diff: Obj, prefix: str = "") -> Iterator[str]:
    """Changed field paths of a plan diff: ``TaskGroups[web].Tasks[web].Env[GREETING]``."""
    for f in diff.get("Fields") or []:
        if f.get("Type") != "None":
            yield prefix + f["Name"]
    for o in diff.get("Objects") or []:
        if o.get("Type") != "None":
            inner = list(_diff_fields(o, f"{prefix}{o['Name']}."))
            yield from inner or [prefix + o["Name"]]
    for g in diff.get("TaskGroups") or []:
        if g.get("Type") != "None":
            inner = list(_diff_fields(g, f"{prefix}TaskGroups[{g['Name']}]."))
            yield from inner or [f"{prefix}TaskGroups[{g['Name']}]"]
    for t in diff.get("Tasks") or []:
        if t.get("Type") != "None":
            inner = list(_diff_fields(t, f"{prefix}Tasks[{t['Name']}]."))
            yield from inner or [f"{prefix}Tasks[{t['Name']}]"]


def _why(w: Any) -> str:
    """One line: why a workload is not ready."""
    if w.errors:
        return "; ".join(w.errors[-3:])
    if w.kind == "job" and w.runs and w.runs[-1].message:
        return str(w.runs[-1].message)
    if not w.instances:
        return "no allocation placed yet" + (" (a per_node service: Nomad has placed it on no node)" if w.desired == 0 else "")
    return f"{w.healthy}/{w.desired} healthy, {w.running} running"


def _failure_text(app: str, failures: dict[str, str], what: str) -> str:
    lines = "; ".join(f"{name}: {why}" for name, why in sorted(failures.items()))
    return f"app {app!r} on Nomad {what}: {lines}"
