"""HashiCorp Nomad: one job per app (its services), one batch job per job and cron job.

Each job is written twice, as the same job: ``nomad/<id>.nomad.hcl``, the jobspec people
commit and run with ``nomad job run``, and ``nomad/<id>.nomad.json``, the register request
``{"Job": {...}}`` that ``POST /v1/jobs`` (and ``nomad job run -json``) takes, with the API's
PascalCase fields and durations in nanoseconds.  The JSON object is built once (``view``) and
the HCL written from it (``hcl``, in Python rather than a template: see there why), so the two
cannot drift; the JSON is ``json.dumps``'s, keys sorted, two-space indents, text kept as UTF-8.
The service job is ``<app>``, a task group per service; jobs and cron jobs are ``<app>-<name>``
(a job has one type, and a batch job cannot share it with long-running groups).  The primary
file is the service job's HCL, or the first batch job's when the app has no services.

Mapping (details in ``view``, ``service``, ``tasks``): services -> groups with count (or a
scaling block for autoscale, count = min), docker tasks (entrypoint = command, args), a bridge
network with one port per spec port (``to`` = container port, ``static`` = published port),
``provider = "nomad"`` service registrations with http/tcp checks (liveness adds
``check_restart``), update (max_parallel, canaries for surge, auto_revert), restart ("delay"
mode), constraints/spread on ``${meta.<label>}``, host volume requests by name (per_alloc for
per-replica volumes), config files and secrets as templates bind-mounted at their path (secret
values from the Nomad Variable ``nomad/jobs/<job-id>``, item ``<secret>``), resources (MHz =
millicores, MiB, memory_max), prestart tasks for init steps, poststart sidecar tasks for
sidecars (prestart sidecar tasks in a batch job, whose group then gets a bridge network so they
share localhost with the main task); cron jobs -> batch jobs with ``periodic`` (crons, time_zone, prohibit_overlap,
enabled); ``per_node`` services -> a ``system`` job ``<app>-<service>`` each; aliases -> more
service registrations; security, working_dir, stop_signal and stop_grace_period -> task
``user``, docker config, ``kill_signal``, ``kill_timeout`` (see ``runtime``).  Not rendered
(and reported): depends_on, command health checks (Nomad's own checks are http/tcp), job
deadlines, volume storage classes.

Traps handled: HCL ``${``/``%{`` (the ``hcl`` filter doubles them), consul-template ``{{`` in
file contents (``go_template_literal``), durations (HCL strings, JSON nanoseconds), file modes
(octal strings such as "0644"), text HCL would normalize to Unicode NFC (reported).  Nomad's
run-time ``${...}`` interpolation of env values, driver config and some paths cannot be
escaped: such values are reported.

Escape hatch: ``x-nomad``, in the API's JSON form; see ``extend``.

Needs Nomad >= 1.6 (``crons``, ``datacenters = ["*"]``, Nomad Variables in templates), the
CNI reference plugins on clients (bridge networking), Traefik for routes and the Nomad
Autoscaler for autoscaling.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from crossdock.specs.loader import LoadedSpec
from crossdock.specs.xblocks import extension_keys
from crossdock.translators.base import Bundle, Report
from crossdock.translators.nomad import hcl, view
from crossdock.translators.support import Target


class NomadTranslator:
    name: Target = "nomad"

    def translate(self, spec: LoadedSpec) -> Bundle:
        """Render ``spec`` as Nomad jobs, each in HCL and JSON. Pure; raises nothing for a spec
        the loader accepted."""
        report = Report(self.name)
        files: dict[str, str] = {}
        normalized = True
        for jf in view.build(spec, report):
            text = hcl.job_text(jf.job)
            normalized = normalized and unicodedata.is_normalized("NFC", text)
            files[f"nomad/{jf.id}.nomad.hcl"] = text
            files[f"nomad/{jf.id}.nomad.json"] = json.dumps({"Job": jf.job}, indent=2, sort_keys=True,
                                                            ensure_ascii=False) + "\n"
        if not normalized:  # rare: only then is the spec walked for the places
            _note_unnormalized(spec.app.model_dump(mode="json", by_alias=True, exclude_defaults=True), (), report)
        primary = next(iter(files), f"nomad/{spec.app.name}.nomad.hcl")
        return Bundle(self.name, files, report.sorted(), primary)


def _note_unnormalized(value: Any, path: tuple[str | int, ...], report: Report) -> None:
    """Note every string of the spec that HCL would change by normalizing it to NFC."""
    if isinstance(value, str):
        if not unicodedata.is_normalized("NFC", value):
            report.note("unicode", path)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k == "x-nomad" or k not in extension_keys():  # another target's block: never in a Nomad job
                _note_unnormalized(v, path + (str(k),), report)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _note_unnormalized(v, path + (i,), report)
