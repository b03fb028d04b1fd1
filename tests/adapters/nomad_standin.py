"""A STAND-IN for Nomad's HTTP API, for testing crossdock's Nomad adapter. It is not Nomad.

No real Nomad agent can run on these machines (see ../shared/PLATFORMS.md), so the adapter is
tested against this small HTTP server that follows Nomad's published HTTP API
(developer.hashicorp.com/nomad/api-docs: jobs, job, allocations, evaluations, deployments,
variables, client fs logs, status): the same paths, query parameters (``namespace``,
``region``, ``prefix``, ``meta``, ``filter``, ``purge``, ``cas``), field names and status codes.
Behaviour the documents do not pin down was chosen to match what Nomad is known to answer:

- ACLs are on: ``X-Nomad-Token`` must be the stand-in's management token (``standin.token``)
  or its read-only token (``standin.read_token``); an unknown token gets 403 "ACL token not
  found", a missing one or a write with the read-only token 403 "Permission denied";
- a register or plan whose body does not decode into Nomad's types gets 400 (the stand-in is
  stricter than an agent here: it refuses unknown fields, which Go's decoder would drop); a job
  that decodes but fails validation gets 500 with "1 error occurred:\\n\\t* ..." (Nomad answers job
  validation errors with 500); ``EnforceIndex`` conflicts get 500 "Enforcing job modify index";
- ``filter`` understands only ``Field == "value"`` terms joined by ``or`` (Nomad's go-bexpr
  language is much larger); anything else gets 400;
- a region other than the stand-in's gets 500 "No path to region"; an unknown namespace 400.

The lifecycle (evaluation -> allocations -> deployment) moves only when the test calls
``advance()`` or starts ``run_clock()``; see ``nomad_standin_state`` for what each tick does
and what is simplified. Figures measured against this server say nothing about Nomad.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from nomad_standin_diff import job_diff
from nomad_standin_state import Failure, StandInError, State
from nomad_standin_views import alloc_full, alloc_stub, job_status, job_stub

Validator = Callable[[str], list[str]]
_DECODE = re.compile(r"unknown field|expected (an?|true|the)|does not fit|negative duration|\(decode\)|not JSON|"
                     r"\(top level\)")
_TERM = re.compile(r'^\s*(\w+)\s*==\s*"([^"\\]*)"\s*$')


def basic_problems(text: str) -> list[str]:
    """A minimal job check for when the Go checker (tests/checkers/nomad.py) is not wanted."""
    try:
        body = json.loads(text)
    except ValueError as e:
        return [f"(file): not JSON: {e}"]
    job = body.get("Job") if isinstance(body, dict) else None
    if not isinstance(job, dict):
        return ["(top level): expected an object with Job"]
    out = []
    if not isinstance(job.get("ID"), str) or not job["ID"]:
        out.append("Job.ID: Missing job ID")
    if job.get("Type", "service") not in ("service", "batch", "system", "sysbatch"):
        out.append(f"Job.Type: Invalid job type: {job.get('Type')!r}")
    groups = job.get("TaskGroups")
    if not isinstance(groups, list) or not groups:
        out.append("Job.TaskGroups: Missing job task groups")
    for i, g in enumerate(groups or []):
        if not isinstance(g, dict) or not g.get("Tasks"):
            out.append(f"Job.TaskGroups[{i}]: Missing tasks for task group")
        elif "Count" in g and (not isinstance(g["Count"], int) or isinstance(g["Count"], bool)):
            out.append(f"Job.TaskGroups[{i}].Count: expected an integer, got {type(g['Count']).__name__}")
        elif job.get("Type") == "system" and int(g.get("Count", 1)) > 1:
            out.append(f"Job task group {g.get('Name')} has count {g['Count']}. Count cannot exceed 1 with system "
                       "scheduler")
    return out


class NomadStandIn:
    """The stand-in server: ``start()``, ``address``, ``token``, ``advance()``, ``fail_group()``."""

    def __init__(self, validate: Validator = basic_problems, region: str = "global") -> None:
        self.state = State()
        self.validate = validate
        self.region = region
        self.namespaces = {"default"}
        self.token = str(uuid.uuid4())
        self.read_token = str(uuid.uuid4())
        self.delay = 0.0  # seconds to wait before answering (to provoke client timeouts)
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.log: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._clock: threading.Thread | None = None
        self._clock_stop = threading.Event()

    # ---- control ------------------------------------------------------------------------

    @property
    def address(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> NomadStandIn:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="nomad-standin",
                         daemon=True).start()
        self.log.append(f"nomad stand-in: listening on {self.address}")
        return self

    def stop(self) -> None:
        self._clock_stop.set()
        if self._clock is not None:
            self._clock.join(timeout=5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self.log.append("nomad stand-in: stopped")

    def advance(self, ticks: int = 1) -> None:
        for _ in range(ticks):
            with self.state.lock:
                self.state.advance()

    def run_clock(self, interval: float = 0.02) -> None:
        """Tick in the background every ``interval`` seconds until ``stop()``."""
        def loop() -> None:
            while not self._clock_stop.wait(interval):
                self.advance()
        self._clock = threading.Thread(target=loop, name="nomad-standin-clock", daemon=True)
        self._clock.start()

    def fail_group(self, job_id: str, group: str, kind: str, message: str, exit_code: int = 1,
                   namespace: str = "default") -> None:
        """Make the group's next allocations fail: kind "driver" (Driver Failure event), "exit"
        (the main task exits ``exit_code``) or "unhealthy" (running, but marked unhealthy)."""
        with self.state.lock:
            self.state.failures[(namespace, job_id, group)] = Failure(kind, message, exit_code)

    def heal_group(self, job_id: str, group: str, namespace: str = "default") -> None:
        with self.state.lock:
            self.state.failures.pop((namespace, job_id, group), None)

    # ---- routing ------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], token: str | None,
               body: bytes) -> tuple[int, Any]:
        if self.delay:
            time.sleep(self.delay)
        if path == "/v1/status/leader" and method == "GET":
            return 200, "127.0.0.1:4647"
        write = method in ("POST", "PUT", "DELETE")  # a plan needs submit-job too
        self._authorize(token, write)
        region = query.get("region") or self.region
        if region != self.region:
            raise StandInError(500, "No path to region")
        ns = query.get("namespace") or "default"
        if ns not in self.namespaces and ns != "*":
            raise StandInError(400, f'Namespace "{ns}" does not exist')
        st = self.state
        with st.lock:
            if path == "/v1/agent/self" and method == "GET":
                return 200, {"config": {"Region": self.region, "Datacenter": "dc1",
                                        "Version": {"Version": "stand-in", "VersionPrerelease": ""}},
                             "member": {"Name": "nomad-standin", "Tags": {"region": self.region}}, "stats": {}}
            if path == "/v1/jobs" and method == "GET":
                prefix, meta = query.get("prefix", ""), _flag(query.get("meta"))
                jobs = [j for (n, i), j in sorted(st.jobs.items()) if n == ns and i.startswith(prefix)]
                return 200, [job_stub(st, j, meta) for j in self._filtered(jobs, query)]
            if path == "/v1/jobs" and method in ("POST", "PUT"):
                return 200, self._register(ns, None, body)
            if path == "/v1/allocations" and method == "GET":
                allocs = [a for a in sorted(st.allocs.values(), key=lambda a: int(a["CreateIndex"]))
                          if (ns == "*" or a["Namespace"] == ns) and a["ID"].startswith(query.get("prefix", ""))]
                return 200, [alloc_stub(a) for a in self._filtered(allocs, query)]
            if path == "/v1/deployments" and method == "GET":
                deps = [d for d in sorted(st.deployments.values(), key=lambda d: -int(d["CreateIndex"]))
                        if d["Namespace"] == ns and d["ID"].startswith(query.get("prefix", ""))]
                return 200, self._filtered(deps, query)
            if path == "/v1/evaluations" and method == "GET":
                evs = [e for e in st.evals.values() if e["Namespace"] == ns]
                return 200, self._filtered(evs, query)
            if path == "/v1/vars" and method == "GET":
                prefix = query.get("prefix", "")
                return 200, [{k: v for k, v in var.items() if k != "Items"}
                             for (n, p), var in sorted(st.variables.items()) if n == ns and p.startswith(prefix)]
            m = re.fullmatch(r"/v1/var/(.+)", path)
            if m:
                return self._variable(method, ns, unquote(m.group(1)), query, body)
            m = re.fullmatch(r"/v1/evaluation/([^/]+)", path)
            if m and method == "GET":
                return 200, _get(st.evals, m.group(1), "eval not found")
            m = re.fullmatch(r"/v1/allocation/([^/]+)", path)
            if m and method == "GET":
                return 200, alloc_full(st, _get(st.allocs, m.group(1), "alloc not found"))
            m = re.fullmatch(r"/v1/client/fs/logs/([^/]+)", path)
            if m and method == "GET":
                a = _get(st.allocs, m.group(1), "Unknown allocation")
                task = query.get("task", "")
                if task not in a["TaskStates"]:
                    raise StandInError(400, f"unknown task name {task!r}")
                return 200, f"stand-in log line 1 of {task} in {a['Name']}\nstand-in log line 2 of {task}\n"
            m = re.fullmatch(r"/v1/job/([^/]+(?:/periodic-\d+)?)(/[a-z/]+)?", unquote(path))
            if m:
                return self._job(method, ns, m.group(1), m.group(2) or "", query, body)
        raise StandInError(404, "Invalid URL path")

    def _authorize(self, token: str | None, write: bool) -> None:
        if not token:
            raise StandInError(403, "Permission denied")
        if token == self.token:
            return
        if token == self.read_token:
            if write:
                raise StandInError(403, "Permission denied")
            return
        raise StandInError(403, "ACL token not found")

    def _filtered(self, items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        expr = query.get("filter")
        if not expr:
            return items
        terms = []
        for part in expr.split(" or "):
            m = _TERM.match(part)
            if not m:
                raise StandInError(400, f"failed to read filter expression: unsupported by the stand-in: {part!r}")
            terms.append((m.group(1), m.group(2)))
        return [i for i in items if any(str(i.get(f)) == v for f, v in terms)]

    def _register(self, ns: str, path_id: str | None, body: bytes, plan: bool = False) -> dict[str, Any]:
        text = body.decode("utf-8", errors="replace")
        try:
            req = json.loads(text)
        except ValueError as e:
            raise StandInError(400, f"Request decode failed: {e}") from e
        if not isinstance(req, dict) or not isinstance(req.get("Job"), dict):
            raise StandInError(400, "Job must be specified")
        checked = {k: v for k, v in req.items() if k not in ("Diff", "PolicyOverride")}
        problems = self.validate(json.dumps(checked))
        decode = [p for p in problems if _DECODE.search(p)]
        if decode:
            raise StandInError(400, "Request decode failed: " + "; ".join(decode))
        if problems:
            raise StandInError(500, f"{len(problems)} error occurred:\n" + "".join(f"\t* {p}\n" for p in problems))
        job = req["Job"]
        if path_id is not None and job.get("ID") != path_id:
            raise StandInError(400, "Job ID does not match name")
        if plan:
            old = self.state.jobs.get((ns, job["ID"]))
            diff = job_diff(old, job)
            updates = {g["Name"]: {"Place": g["Updates"].get("create", 0), "InPlaceUpdate": 0,
                                   "DestructiveUpdate": g["Updates"].get("create/destroy update", 0),
                                   "Stop": g["Updates"].get("destroy", 0), "Ignore": g["Updates"].get("ignore", 0),
                                   "Migrate": 0, "Canary": 0, "Preemptions": 0} for g in diff["TaskGroups"]}
            return {"Annotations": {"DesiredTGUpdates": updates, "PreemptedAllocs": None},
                    "Diff": diff if req.get("Diff") else None, "FailedTGAllocs": None, "CreatedEvals": None,
                    "JobModifyIndex": old["JobModifyIndex"] if old else 0, "NextPeriodicLaunch": None,
                    "Warnings": "", "Index": self.state.index}
        out = self.state.register(ns, self.region, req)
        self.log.append(f"nomad stand-in: registered job {job['ID']!r} (JobModifyIndex {out['JobModifyIndex']})")
        return out

    def _job(self, method: str, ns: str, job_id: str, sub: str, query: dict[str, str],
             body: bytes) -> tuple[int, Any]:
        st = self.state
        if sub == "" and method in ("POST", "PUT"):
            return 200, self._register(ns, job_id, body)
        if sub == "/plan" and method in ("POST", "PUT"):
            return 200, self._register(ns, job_id, body, plan=True)
        if sub == "" and method == "DELETE":
            out = st.deregister(ns, job_id, _flag(query.get("purge")))
            self.log.append(f"nomad stand-in: deregistered job {job_id!r}")
            return 200, out
        if sub == "/periodic/force" and method in ("POST", "PUT"):
            return 200, st.force_periodic(ns, job_id)
        job = st.jobs.get((ns, job_id))
        if job is None:
            raise StandInError(404, "job not found")
        if method != "GET":
            raise StandInError(405, "Invalid method")
        if sub == "":
            return 200, dict(job, Status=job_status(st, job))
        if sub == "/allocations":
            return 200, [alloc_stub(a) for a in st.allocs.values()
                         if a["Namespace"] == ns and a["JobID"] == job_id]
        if sub == "/evaluations":
            return 200, [e for e in st.evals.values() if e["Namespace"] == ns and e["JobID"] == job_id]
        if sub in ("/deployment", "/deployments"):
            deps = sorted((d for d in st.deployments.values() if d["Namespace"] == ns and d["JobID"] == job_id),
                          key=lambda d: -int(d["CreateIndex"]))
            return 200, (deps[0] if deps else None) if sub == "/deployment" else deps
        if sub == "/versions":
            return 200, {"Versions": list(reversed(st.versions.get((ns, job_id), []))), "Diffs": None}
        raise StandInError(404, "Invalid URL path")

    def _variable(self, method: str, ns: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        st = self.state
        key = (ns, path)
        current = st.variables.get(key)
        cas = query.get("cas")
        if cas is not None and method in ("PUT", "DELETE"):
            have = current["ModifyIndex"] if current else 0
            if int(cas) != have:
                return 409, current or {"Namespace": ns, "Path": path}
        if method == "GET":
            if current is None:
                raise StandInError(404, "variable not found")
            return 200, current
        if method == "DELETE":
            st.variables.pop(key, None)
            self.log.append(f"nomad stand-in: deleted variable {path!r}")
            return 200, None
        if method == "PUT":
            try:
                var = json.loads(body or b"{}")
            except ValueError as e:
                raise StandInError(400, f"Request decode failed: {e}") from e
            items = var.get("Items") if isinstance(var, dict) else None
            if not isinstance(items, dict) or not items:
                raise StandInError(400, "variable missing required Items object")
            if not all(isinstance(v, str) for v in items.values()):
                raise StandInError(400, "Request decode failed: json: cannot unmarshal into Go struct field "
                                        "VariableDecrypted.Items of type string")
            idx = st.next_index()
            st.variables[key] = {"Namespace": ns, "Path": path, "Items": dict(items),
                                 "CreateIndex": current["CreateIndex"] if current else idx, "ModifyIndex": idx,
                                 "CreateTime": current["CreateTime"] if current else st.now, "ModifyTime": st.now}
            # Item names only: the stand-in's log never holds a value.
            self.log.append(f"nomad stand-in: wrote variable {path!r} items {sorted(items)}")
            return 200, st.variables[key]
        raise StandInError(405, "Invalid method")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "t", "true")


def _get(table: dict[str, dict[str, Any]], key: str, missing: str) -> dict[str, Any]:
    if key not in table:
        raise StandInError(404, missing)
    return table[key]


class _Handler(BaseHTTPRequestHandler):
    owner: NomadStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.owner.requests.append((self.command, parts.path))
        try:
            code, payload = self.owner.handle(self.command, parts.path, query, self.headers.get("X-Nomad-Token"),
                                              body)
            data = (payload if isinstance(payload, str) and parts.path.startswith("/v1/client/")
                    else json.dumps(payload)).encode()
            ctype = "text/plain; charset=utf-8" if parts.path.startswith("/v1/client/") else "application/json"
        except StandInError as e:
            code, data, ctype = e.code, e.message.encode(), "text/plain; charset=utf-8"
        self.owner.log.append(f"nomad stand-in: {self.command} {parts.path} -> {code}")
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Nomad-Index", str(self.owner.state.index))
            self.send_header("X-Nomad-KnownLeader", "true")
            self.send_header("X-Nomad-LastContact", "0")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_PUT = do_DELETE = _serve
