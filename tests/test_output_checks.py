"""Every golden case's output passes each platform's own rules, offline.

Kubernetes: the official OpenAPI schemas in strict mode for the three newest minor versions
kubernetes-validate knows; Swarm: `docker stack config` (the docker CLI's compose v3 loader);
Nomad: strict decode into Nomad's Go api.Job.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
import yaml

import json

from checkers import kubernetes, nomad, nomad_hcl, swarm
from crossdock.translators import base
from golden_cases import case_dirs, load_case

CASES = case_dirs()


def _bundle(case: Path, target: str) -> base.Bundle:
    return base.get(target).translate(load_case(case))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_output_kubernetes_passes_openapi_strict(case: Path) -> None:
    bundle = _bundle(case, "kubernetes")
    docs = [d for text in bundle.files.values() for d in yaml.safe_load_all(text) if d]
    assert docs
    assert kubernetes.validate(docs) == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_output_swarm_passes_docker_stack_config(case: Path) -> None:
    bundle = _bundle(case, "swarm")
    parsed = swarm.stack_config(bundle.files[bundle.primary])
    assert parsed.get("services"), "a stack with no service"
    for config in (parsed.get("configs") or {}).values():
        if "file" in config:
            rel = PurePosixPath(config["file"]).relative_to(PurePosixPath(config["file"]).parents[1])
            assert f"swarm/configs/{rel.name}" in bundle.files or any(
                p.endswith("/" + rel.name) for p in bundle.files), f"stack refers to {config['file']}, not in the bundle"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_output_nomad_json_decodes_into_api_job(case: Path) -> None:
    bundle = _bundle(case, "nomad")
    jobs = [text for path, text in sorted(bundle.files.items()) if path.endswith(".json")]
    assert jobs
    assert nomad.check_job_json(jobs) == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_output_nomad_hcl_is_the_json_job(case: Path) -> None:
    bundle = _bundle(case, "nomad")
    for path, text in sorted(bundle.files.items()):
        if path.endswith(".hcl"):
            job = json.loads(bundle.files[path.removesuffix(".hcl") + ".json"])["Job"]
            assert nomad_hcl.hcl_to_api(text) == job, path
            if case.name != "hostile-strings":  # python-hcl2 cannot lex some of its strings
                assert nomad_hcl.hcl_to_api_pyhcl2(text) == job, path
