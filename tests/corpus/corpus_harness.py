"""Run one real-world case through crossdock the way a migrating team would, and judge the result.

A case is a folder of files exactly as a public project published them (``<kind>/<case>/...``,
tests/corpus/SOURCES.tsv says where from), or one entry of a corpus whose SOURCES.tsv has a
``case_input`` column (../shared/corpus: the input file or folder, relative to the corpus).

``run_case`` copies the case into a temporary folder named after the case (never writing into
the corpus), then with no secret variable in the environment (``clean_environ``):

1. ``crossdock import INPUT... -o <case>/crossdock-app.yaml``;
2. ``crossdock validate`` and ``crossdock render --target all -o out`` on that spec, as written;
3. the platforms' offline checks on what render wrote: Kubernetes OpenAPI strict
   (``checkers.kubernetes``), ``docker stack config`` (``checkers.swarm``), Nomad's ``api.Job``
   (``checkers.nomad``).

Every command runs in-process through ``crossdock.cli.main.main`` (the CLI the user runs), its
stdout and stderr captured.  Used by tests/corpus/test_corpus.py and bench/corpus.py.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checkers import CheckFailed, kubernetes, nomad, swarm
from crossdock.cli.main import main

TARGETS = ("kubernetes", "swarm", "nomad")
KINDS = ("compose", "kubernetes", "nomad")
SPEC_NAME = "crossdock-app.yaml"
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml",
                 "docker-stack.yml", "stack.yml")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
NOMAD_SUFFIXES = (".nomad", ".hcl")
# What a shell always sets: kept, because a secret must never silently read one of them (the
# issue's Vault item `pwd` read from $PWD).  Everything else, secrets included, is removed.
SHELL_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "LANG", "LC_ALL", "TERM", "TMPDIR")


@dataclass(frozen=True)
class Case:
    """One input: ``source`` (a file or a folder) is copied whole; ``inputs`` are the paths given
    to ``crossdock import``, relative to the copy's folder."""

    kind: str
    name: str
    source: Path
    inputs: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"

    def source_files(self) -> list[Path]:
        """The case's files (the inputs and what they read), for source-side analysis."""
        if self.source.is_file():
            return [self.source]
        return sorted(p for p in self.source.rglob("*") if p.is_file())


@dataclass
class Outcome:
    case: Case
    workdir: Path
    import_code: int = -1
    import_err: str = ""
    spec_text: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    validate_code: int | None = None
    validate_out: str = ""
    render_code: int | None = None
    render_err: str = ""
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def imported(self) -> bool:
        return self.import_code == 0 and bool(self.spec)

    @property
    def validated(self) -> bool:
        return self.validate_code == 0

    @property
    def rendered(self) -> bool:
        return self.render_code == 0

    def output_text(self) -> str:
        """Everything a user would see or keep: the spec, the outputs, the messages."""
        parts = [self.spec_text, self.import_err, self.validate_out, self.render_err]
        parts += [text for files in self.outputs.values() for text in files.values()]
        return "\n".join(parts)


def _case_inputs(kind: str, folder: Path) -> tuple[str, ...]:
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    if kind == "compose":
        named = [f for f in files if Path(f).name in COMPOSE_NAMES or "compose" in Path(f).name]
        return tuple(named[:1])
    if kind == "nomad":
        return tuple(f for f in files if f.endswith(NOMAD_SUFFIXES))[:1]
    return tuple(f for f in files if f.endswith(MANIFEST_SUFFIXES))


def discover(corpus: Path) -> list[Case]:
    """The cases of a corpus folder: its SOURCES.tsv's ``case_input`` rows if it has that column
    (one input each, a file or a folder), else every ``<kind>/<case>/`` folder."""
    index = corpus / "SOURCES.tsv"
    cases: list[Case] = []
    if index.is_file():
        with index.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        if rows and "case_input" in rows[0]:
            for row in rows:
                path = corpus / row["case_input"].rstrip("/")
                kind = row["kind"]
                rel = Path(row["case_input"].rstrip("/")).relative_to(kind)
                name = rel.parts[0] if len(rel.parts) > 1 else rel.stem
                if path.is_file() and len(rel.parts) > 1:
                    cases.append(Case(kind, name, path.parent, (path.name,)))
                elif path.is_file():
                    cases.append(Case(kind, name, path, (path.name,)))
                else:
                    cases.append(Case(kind, name, path, (".",)))
            return cases
    for kind_dir in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name in KINDS):
        for folder in sorted(p for p in kind_dir.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
            cases.append(Case(kind_dir.name, folder.name, folder, _case_inputs(kind_dir.name, folder)))
    return cases


@contextlib.contextmanager
def clean_environ() -> Iterator[None]:
    """os.environ holding only what a shell always sets, for the duration of the block."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update({k: saved[k] for k in SHELL_VARIABLES if k in saved})
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def cli(*argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``crossdock *argv``, run in-process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _read_outputs(out: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for target in TARGETS:
        folder = out / target
        if folder.is_dir():
            found[target] = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
                             for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}
    return found


def check_outputs(outputs: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Each target's problems by the platform's own rules ([] = every output passed)."""
    problems: dict[str, list[str]] = {}
    kube = outputs.get("kubernetes", {})
    docs = [d for text in kube.values() for d in yaml.safe_load_all(text) if d]
    problems["kubernetes"] = kubernetes.validate(docs) if docs else ["no Kubernetes document rendered"]
    stacks = [text for path, text in outputs.get("swarm", {}).items()
              if "/" not in path and path.endswith((".yml", ".yaml"))]
    problems["swarm"] = [] if stacks else ["no stack file rendered"]
    for text in stacks:
        try:
            swarm.stack_config(text)
        except CheckFailed as e:
            problems["swarm"].append(str(e))
    jobs = [text for path, text in sorted(outputs.get("nomad", {}).items()) if path.endswith(".json")]
    problems["nomad"] = nomad.check_job_json(jobs) if jobs else ["no Nomad job rendered"]
    return problems


def run_case(case: Case, tmp: Path) -> Outcome:
    """Import, validate, render and check one case in a copy under ``tmp`` (see the module doc)."""
    work = tmp / case.kind / case.name
    if case.source.is_dir():
        shutil.copytree(case.source, work)
    else:
        work.mkdir(parents=True)
        shutil.copy2(case.source, work / case.source.name)
    outcome = Outcome(case, work)
    spec = work / SPEC_NAME
    with clean_environ():
        code, _, err = cli("import", *(str(work / i) for i in case.inputs), "-o", str(spec))
        outcome.import_code, outcome.import_err = code, err
        if code != 0 or not spec.is_file():
            return outcome
        outcome.spec_text = spec.read_text(encoding="utf-8")
        loaded = yaml.safe_load(outcome.spec_text)
        outcome.spec = loaded if isinstance(loaded, dict) else {}
        code, out, err = cli("validate", str(spec))
        outcome.validate_code, outcome.validate_out = code, out + err
        code, _, err = cli("render", str(spec), "--target", "all", "-o", str(work.parent / f"{case.name}.out"))
        outcome.render_code, outcome.render_err = code, err
        outcome.outputs = _read_outputs(work.parent / f"{case.name}.out")
    if outcome.outputs:
        outcome.problems = check_outputs(outcome.outputs)
    return outcome
