"""Migration fidelity on a folder of real files (issue 20): import, validate, render, check.

For every case of each folder given (``<kind>/<case>/<files>`` like tests/corpus/, or a corpus
whose SOURCES.tsv has a ``case_input`` column like ../shared/corpus/), in a temporary copy and
with no secret variable in the environment (tests/corpus/corpus_harness.py):

- imported: ``crossdock import`` exits 0;
- validated / rendered: ``crossdock validate`` and ``crossdock render --target all`` pass on the
  spec as written;
- outputs valid, per target: Kubernetes OpenAPI strict, ``docker stack config``, Nomad's
  ``api.Job`` (tests/checkers);
- secrets in clear: source values the shared classifier calls secret that appear in the spec,
  the outputs or the messages (tests/corpus/corpus_source.py);
- names kept / ports kept: the names other workloads use in the source (compose services and the
  container names or aliases another service mentions, Kubernetes Services, Nomad services) that
  are a workload's name or alias in the spec, and their port numbers there.

``--kompose PATH``: for each compose case, also ``kompose convert`` it and list, per container,
the fields kompose's Deployment/DaemonSet sets that crossdock's Kubernetes output lacks and the
import's loss report does not mention.

Run: python bench/corpus.py ../shared/corpus tests/corpus [--cases] [--json] [--kompose PATH]
(about 20 s for 75 cases, 40 s with --kompose; the first run builds the Nomad checker, 20-30 s).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "corpus")]

from corpus_harness import TARGETS, Case, Outcome, clean_environ, discover, run_case  # noqa: E402
from corpus_source import in_clear, kept, secret_values, source_names  # noqa: E402


@dataclass
class Row:
    case: str
    imported: bool
    validated: bool
    rendered: bool
    valid: dict[str, bool]
    secrets: int
    secrets_in_clear: int
    names_kept: int
    names: int
    ports_kept: int
    ports: int
    error: str = ""
    kompose_only: dict[str, list[str]] = field(default_factory=dict)


def measure(case: Case, outcome: Outcome) -> Row:
    files = case.source_files()
    pairs = secret_values(files, case.kind)
    source = source_names(files, case.kind)
    names_kept, names, ports_kept, ports = kept(source, outcome.spec) if outcome.imported else (0, len(source), 0, 0)
    error = ""
    for step, code, text in (("import", outcome.import_code, outcome.import_err),
                             ("validate", outcome.validate_code, outcome.validate_out),
                             ("render", outcome.render_code, outcome.render_err)):
        if code not in (0, None):
            error = f"{step}: " + next((ln for ln in text.splitlines() if "error" in ln.lower() or ": " in ln), "")[:160]
            break
    return Row(case.id, outcome.imported, outcome.validated, outcome.rendered,
               {t: outcome.rendered and not outcome.problems.get(t, ["-"]) for t in TARGETS},
               len(pairs), len(in_clear(pairs, outcome.output_text())), names_kept, names, ports_kept, ports, error)


# -- kompose ---------------------------------------------------------------------------------

# Container and pod fields compared, and the words a loss line about each would hold.
_FIELDS = {
    "securityContext": ("user", "read_only", "cap_add", "cap_drop", "privileged", "security_opt", "security"),
    "workingDir": ("working_dir",),
    "hostname": ("hostname",),
    "terminationGracePeriodSeconds": ("stop_grace_period", "stop_signal"),
    "command": ("entrypoint", "command"),
    "args": ("command",),
}


def _pod_containers(docs: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """(pod spec, first container) per workload name, ``_`` read as ``-``."""
    found = {}
    for doc in docs:
        if doc.get("kind") in ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod"):
            spec = doc.get("spec") or {}
            pod = doc["spec"] if doc["kind"] == "Pod" else ((spec.get("jobTemplate") or {}).get("spec") or spec).get(
                "template", {}).get("spec", {})
            if pod.get("containers"):
                found[doc["metadata"]["name"].replace("_", "-")] = (pod, pod["containers"][0])
    return found


def _features(pod: dict[str, Any], container: dict[str, Any]) -> dict[str, Any]:
    feats: dict[str, Any] = {k: container[k] for k in ("securityContext", "workingDir", "command", "args") if container.get(k)}
    feats.update({k: pod[k] for k in ("hostname", "terminationGracePeriodSeconds") if pod.get(k)})
    if pod.get("securityContext"):
        feats["securityContext"] = {**pod["securityContext"], **feats.get("securityContext", {})}
    feats.update({f"port {p['containerPort']}": True for p in container.get("ports") or []})
    feats.update({f"env {e['name']}": True for e in container.get("env") or []})
    feats.update({f"volume {m['mountPath']}": True for m in container.get("volumeMounts") or []})
    return feats


def _has(mine: dict[str, Any], feature: str) -> bool:
    """Whether crossdock's container has ``feature``; a volume counts when one of the two mount
    paths holds the other (kompose mounts a compose secret at /run/secrets with a subPath,
    crossdock at /run/secrets/NAME)."""
    if feature in mine:
        return True
    if feature.startswith("volume "):
        path = feature.removeprefix("volume ")
        ours = [f.removeprefix("volume ") for f in mine if f.startswith("volume ")]
        return any(p.startswith(path + "/") or path.startswith(p + "/") for p in ours)
    return False


def _mentioned(service: str, feature: str, losses: str) -> bool:
    words = _FIELDS.get(feature) or (feature.split(" ", 1)[1], feature.split(" ", 1)[0] + "s")
    lines = [ln for ln in losses.splitlines() if f"services.{service}" in ln or f"services.{service.replace('-', '_')}" in ln]
    return any(w.lower() in ln.lower() for ln in lines for w in words)


def kompose_gaps(kompose: str, case: Case, outcome: Outcome, tmp: Path,
                 outputs_only: bool = False) -> dict[str, list[str]]:
    """Per container: what kompose's Kubernetes output sets that crossdock's does not, and the
    loss report does not mention (``{"?": ["kompose failed: ..."]}`` if kompose refused it);
    with ``outputs_only``, whatever the loss report says.  Compared only where crossdock
    rendered (the other cases already count as failures)."""
    work = tmp / "kompose" / case.name
    if case.source.is_dir():
        shutil.copytree(case.source, work)
    else:
        work.mkdir(parents=True)
        shutil.copy2(case.source, work / case.source.name)
    with clean_environ():
        proc = subprocess.run([kompose, "convert", "--stdout", "-f", *(str(work / i) for i in case.inputs)],
                              capture_output=True, text=True, timeout=120, cwd=work, check=False)
    if proc.returncode != 0:
        message = re.sub(r"\x1b\[[0-9;]*m", "", "".join(proc.stderr.strip().splitlines()[-1:]))
        return {"?": ["kompose failed: " + message[:160]]}
    theirs = _pod_containers([d for d in yaml.safe_load_all(proc.stdout) if isinstance(d, dict)])
    ours_docs = [d for text in outcome.outputs.get("kubernetes", {}).values()
                 for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    ours = _pod_containers(ours_docs)
    losses = "" if outputs_only else outcome.import_err + outcome.render_err
    gaps: dict[str, list[str]] = {}
    for name, (pod, container) in sorted(theirs.items()):
        if name not in ours:
            missing = [] if any(f"services.{n}" in losses for n in (name, name.replace("-", "_"))) else ["(no workload)"]
        else:
            mine = _features(*ours[name])
            missing = [f for f in _features(pod, container)
                       if not _has(mine, f) and not _mentioned(name, f, losses)]
        if missing:
            gaps[name] = missing
    return gaps


# -- report ----------------------------------------------------------------------------------

def summary(rows: list[Row]) -> dict[str, Any]:
    return {
        "files": len(rows),
        "imported": sum(r.imported for r in rows),
        "validated": sum(r.validated for r in rows),
        "rendered": sum(r.rendered for r in rows),
        "outputs_valid": {t: sum(r.valid[t] for r in rows) for t in TARGETS},
        "secrets": sum(r.secrets for r in rows),
        "secrets_in_clear": sum(r.secrets_in_clear for r in rows),
        "names_kept": sum(r.names_kept for r in rows), "names": sum(r.names for r in rows),
        "ports_kept": sum(r.ports_kept for r in rows), "ports": sum(r.ports for r in rows),
        "kompose_gaps": sum(len(v) for r in rows for k, v in r.kompose_only.items() if k != "?"),
    }


def print_report(label: str, rows: list[Row], cases: bool, seconds: float) -> None:
    s = summary(rows)
    valid = ", ".join(f"{t} {n}" for t, n in s["outputs_valid"].items())
    print(f"{label}: {s['files']} files, imported {s['imported']}, validated as written {s['validated']}, "
          f"rendered {s['rendered']}, outputs valid ({valid}), secrets in clear {s['secrets_in_clear']} "
          f"of {s['secrets']}, names kept {s['names_kept']}/{s['names']}, ports kept {s['ports_kept']}/{s['ports']}"
          + (f", kompose-only fields {s['kompose_gaps']}" if any(r.kompose_only for r in rows) else "")
          + f" ({seconds:.1f} s)")
    if not cases:
        return
    print(f"  {'case':58} imp val ren k8s swm nmd leak names  ports  first error")
    for r in rows:
        flags = " ".join(" y " if f else " - " for f in (r.imported, r.validated, r.rendered, *r.valid.values()))
        print(f"  {r.case[:58]:58} {flags} {r.secrets_in_clear:4} {r.names_kept:2}/{r.names:<3} "
              f"{r.ports_kept:2}/{r.ports:<3} {r.error}")
        for name, missing in r.kompose_only.items():
            what = "kompose" if name == "?" else f"kompose keeps, crossdock loses silently: {name}"
            print(f"      {what}: {', '.join(missing)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--cases", action="store_true", help="one line per case")
    parser.add_argument("--json", action="store_true", help="the counts and the cases as JSON")
    parser.add_argument("--kompose", metavar="PATH", help="a kompose binary to compare compose cases with")
    parser.add_argument("--outputs-only", action="store_true",
                        help="with --kompose: count what kompose keeps and crossdock's output lacks, loss lines or not")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {}
    for folder in args.folders:
        start = time.perf_counter()
        rows = []
        with tempfile.TemporaryDirectory(prefix="crossdock-corpus-") as tmp:
            for case in discover(folder):
                outcome = run_case(case, Path(tmp))
                row = measure(case, outcome)
                if args.kompose and case.kind == "compose" and outcome.rendered:
                    row.kompose_only = kompose_gaps(args.kompose, case, outcome, Path(tmp), args.outputs_only)
                rows.append(row)
        report[str(folder)] = {"summary": summary(rows), "cases": [asdict(r) for r in rows]}
        if not args.json:
            print_report(str(folder), rows, args.cases, time.perf_counter() - start)
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
