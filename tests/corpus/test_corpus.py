"""Real files from public projects (tests/corpus/, sources in SOURCES.tsv), each imported,
validated and rendered as written with no secret variable exported, its outputs checked by the
platforms' own rules, and what must survive checked against a table written from the source
(corpus_expectations.py).  The pipeline is corpus_harness.run_case, once per case.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus_expectations import EXPECTATIONS, Expect
from corpus_harness import TARGETS, Case, Outcome, discover, run_case
from corpus_source import in_clear, secret_values, spec_names

CORPUS = Path(__file__).parent
# ../shared/corpus next to the repository (the issue's), or next to its worktrees' folder.
SHARED = [p / "shared" / "corpus" / "SOURCES.tsv" for p in CORPUS.parents[2:4]]
CASES = discover(CORPUS)


def _ids(case: Case) -> str:
    return case.id


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Each case's outcome, run once for all the tests of this module."""
    return {}


@pytest.fixture
def result(request: pytest.FixtureRequest, outcomes: dict[str, Outcome],
           tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The outcome of the case given as the parameter (run on first use)."""
    case: Case = request.param
    if case.id not in outcomes:
        outcomes[case.id] = run_case(case, tmp_path_factory.mktemp("corpus"))
    return outcomes[case.id]


def _with(attr: str) -> list[Case]:
    return [c for c in CASES if getattr(EXPECTATIONS.get(c.id, Expect(names={})), attr)]


def _spec(outcome: Outcome) -> dict[str, Any]:
    assert outcome.imported, f"import failed (exit {outcome.import_code}): {outcome.import_err[-2000:]}"
    return outcome.spec


def _workload(spec: dict[str, Any], names: str) -> dict[str, Any]:
    """The workload (or sidecar) answering to one of ``names`` (``a|b``: a Kubernetes Service's
    name or its workload's), or to its name with ``-`` for ``_`` (the values are checked here,
    the names by test_corpus_names_and_ports_kept); ``*``: the spec's only workload."""
    everything = [(n, w) for section in ("services", "jobs", "cron_jobs")
                  for n, w in (spec.get(section) or {}).items()]
    if names == "*":
        assert len(everything) == 1, f"expected one workload, found {[n for n, _ in everything]}"
        return dict(everything[0][1])
    candidates = names.split("|")
    candidates += [n.replace("_", "-") for n in candidates]
    for name in candidates:
        for key, workload in everything:
            if key == name or name in (workload.get("aliases") or []):
                return dict(workload)
        for _, workload in everything:
            for step in (workload.get("sidecars") or []) + (workload.get("init") or []):
                if step.get("name") == name:
                    return dict(step)
    raise AssertionError(f"no workload, alias or sidecar named {names!r} in {[n for n, _ in everything]}")


def _resolved(value: Any, variables: dict[str, Any]) -> str:
    """An env value with the spec's ``${VAR}`` / ``${VAR:-default}`` references replaced as
    render replaces them (from the spec's ``variables``, else the default)."""
    def one(m: re.Match[str]) -> str:
        return str(variables[m[1]]) if m[1] in variables else (m[2] or "")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}", one, str(value))


def _seconds(duration: Any) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(duration))
    assert parts, f"not a duration: {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)


# -- the corpus itself ---------------------------------------------------------------------------

def test_corpus_sources_recorded_and_new() -> None:
    with (CORPUS / "SOURCES.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert list(rows[0]) == ["kind", "case", "repo", "path", "commit", "licence"]
    assert all(re.fullmatch(r"[0-9a-f]{40}", r["commit"]) and r["repo"].startswith("https://github.com/")
               for r in rows)
    recorded = {(r["kind"], r["case"]) for r in rows}
    assert recorded == {(c.kind, c.name) for c in CASES}
    assert set(EXPECTATIONS) == {c.id for c in CASES}
    assert len(CASES) >= 30 and all(c.inputs for c in CASES)
    for index in (p for p in SHARED if p.is_file()):
        with index.open(encoding="utf-8", newline="") as f:
            shared = {(r["repo"], r["path"]) for r in csv.DictReader(f, delimiter="\t")}
        assert not shared & {(r["repo"], r["path"]) for r in rows}, "a file of ../shared/corpus"


# -- import, validate, render, platform checks ----------------------------------------------------

@pytest.mark.parametrize("result", CASES, ids=_ids, indirect=True)
def test_corpus_imports(result: Outcome) -> None:
    assert result.import_code == 0, result.import_err[-3000:]
    assert result.spec.get("apiVersion") == "crossdock/v1"


@pytest.mark.parametrize("result", CASES, ids=_ids, indirect=True)
def test_corpus_validates_as_written_without_secrets(result: Outcome) -> None:
    _spec(result)
    assert result.validate_code == 0, result.validate_out[-3000:]


@pytest.mark.parametrize("result", CASES, ids=_ids, indirect=True)
def test_corpus_renders_all_targets_as_written_without_secrets(result: Outcome) -> None:
    _spec(result)
    assert result.render_code == 0, result.render_err[-3000:]
    assert set(result.outputs) == set(TARGETS)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("result", CASES, ids=_ids, indirect=True)
def test_corpus_outputs_pass_platform_checks(result: Outcome, target: str) -> None:
    _spec(result)
    assert result.rendered, f"render failed: {result.render_err[-2000:]}"
    assert result.problems[target] == []


WITH_SECRETS = [c for c in CASES if secret_values(c.source_files(), c.kind)]


def test_corpus_secret_finder_finds_planted_values() -> None:
    assert in_clear([("MYSQL_PWD", "root")], "env:\n  MYSQL_PWD: root\n") == ["MYSQL_PWD"]
    assert in_clear([("MYSQL_PWD", "root")], "user: root\nMYSQL_PWD_FILE: /run/x\n") == []
    assert in_clear([("K", "s3cr3t-Value-123")], "data:\n  k: czNjcjN0LVZhbHVlLTEyMw==\n") == ["K"]
    assert in_clear([("TOKEN", "abc")], "env:\n- name: TOKEN\n  value: abc\n") == ["TOKEN"]
    assert len(WITH_SECRETS) >= 8


@pytest.mark.parametrize("result", WITH_SECRETS, ids=_ids, indirect=True)
def test_corpus_no_secret_value_in_clear(result: Outcome) -> None:
    pairs = secret_values(result.case.source_files(), result.case.kind)
    assert in_clear(pairs, result.output_text()) == []


# -- what must survive (corpus_expectations.py) ---------------------------------------------------

@pytest.mark.parametrize("result", _with("names"), ids=_ids, indirect=True)
def test_corpus_names_and_ports_kept(result: Outcome) -> None:
    have = spec_names(_spec(result))
    expect = EXPECTATIONS[result.case.id]
    missing = [n for n in expect.names if not (n.endswith("*") and any(h.startswith(n[:-1]) for h in have))
               and n not in have]
    assert missing == [], f"names lost (neither a workload nor an alias): {missing}; spec has {sorted(have)}"
    lost = {n: sorted(set(ports) - have[n]) for n, ports in expect.names.items()
            if not n.endswith("*") and set(ports) - have[n]}
    assert lost == {}, "ports lost"


@pytest.mark.parametrize("result", _with("absent"), ids=_ids, indirect=True)
def test_corpus_profiled_services_left_out_with_a_line(result: Outcome) -> None:
    have = spec_names(_spec(result))
    expect = EXPECTATIONS[result.case.id]
    assert [n for n in expect.absent if n in have] == []
    assert [w for w in expect.loss_mentions if w not in result.import_err] == []


@pytest.mark.parametrize("result", _with("env"), ids=_ids, indirect=True)
def test_corpus_env_values_verbatim(result: Outcome) -> None:
    spec = _spec(result)
    variables = spec.get("variables") or {}
    wrong = {}
    for name, env in EXPECTATIONS[result.case.id].env.items():
        got = _workload(spec, name).get("env") or {}
        wrong.update({f"{name}.{k}": got.get(k) for k, v in env.items()
                      if k not in got or _resolved(got[k], variables) != v})
    assert wrong == {}


@pytest.mark.parametrize("result", _with("security"), ids=_ids, indirect=True)
def test_corpus_hardening_kept(result: Outcome) -> None:
    spec = _spec(result)
    for name, want in EXPECTATIONS[result.case.id].security.items():
        security = _workload(spec, name).get("security") or {}
        caps = security.get("capabilities") or {}
        got = {"add": set(caps.get("add") or []), "drop": set(caps.get("drop") or [])}
        got.update({k: v for k, v in security.items() if k != "capabilities"})
        for key, value in want.items():
            have = got.get(key)
            same = have == value if isinstance(value, set) else str(have) == str(value)  # sets: any order
            assert same, f"{name}: security.{key} is {have!r}, source says {value!r}"


@pytest.mark.parametrize("result", _with("fields"), ids=_ids, indirect=True)
def test_corpus_workload_fields_kept(result: Outcome) -> None:
    spec = _spec(result)
    for name, want in EXPECTATIONS[result.case.id].fields.items():
        workload = _workload(spec, name)
        for key, value in want.items():
            got = workload.get(key, "replicated" if key == "mode" else None)
            if key == "stop_grace_period":
                assert got is not None and _seconds(got) == value, f"{name}.{key}: {got!r}"
            elif key == "image":
                assert _resolved(got, spec.get("variables") or {}) == value, f"{name}.image is {got!r}"
            else:
                assert got == value, f"{name}.{key} is {got!r}, source says {value!r}"


@pytest.mark.parametrize("result", _with("host_local"), ids=_ids, indirect=True)
def test_corpus_host_local_ports_not_published(result: Outcome) -> None:
    spec = _spec(result)
    for name, ports in EXPECTATIONS[result.case.id].host_local.items():
        entries = {p.get("port"): p for p in _workload(spec, name).get("ports") or []}
        for port in ports:
            assert port in entries, f"{name}: port {port} dropped"
            assert not entries[port].get("publish"), f"{name}: port {port} bound to 127.0.0.1 is published"


@pytest.mark.parametrize("result", _with("sidecars"), ids=_ids, indirect=True)
def test_corpus_shared_network_namespace_is_a_sidecar(result: Outcome) -> None:
    spec = _spec(result)
    for name, sidecars in EXPECTATIONS[result.case.id].sidecars.items():
        got = {s.get("name") for s in _workload(spec, name).get("sidecars") or []}
        assert set(sidecars) <= got, f"{name}: sidecars {sorted(got)}"


@pytest.mark.parametrize("result", _with("k8s_services"), ids=_ids, indirect=True)
def test_corpus_kubernetes_services_keep_name_and_port(result: Outcome) -> None:
    _spec(result)
    assert result.rendered, f"render failed: {result.render_err[-2000:]}"
    docs = [d for text in result.outputs["kubernetes"].values() for d in yaml.safe_load_all(text) if d]
    services = {d["metadata"]["name"]: {p.get("port") for p in d["spec"].get("ports") or []}
                for d in docs if d.get("kind") == "Service"}
    wrong = {name: sorted(services.get(name, set())) for name, ports in EXPECTATIONS[result.case.id].k8s_services.items()
             if not set(ports) <= services.get(name, set())}
    assert wrong == {}, f"Services rendered: {services}"
