"""The round trip: import(render(spec, kubernetes), kubernetes) gives every golden case back.

Both layouts of the Kubernetes translator: one multi-document file, and one file per object with
kustomization.yaml (imported by naming the folder, so the importer follows the kustomization).
Fields the translator warned about or the importer reported lost are left out (``roundtrip``).
Beyond those, a few parts of a loaded spec never reach any manifest and are normalised here,
each for the reason given in ``_outside_manifests``; everything else must come back equal.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Sequence

import pytest

from crossdock.specs.loader import LoadedSpec
from crossdock.translators.importers.base import ImportResult, MemorySources, check_spec, write_spec
from crossdock.translators.importers.kubernetes import IMPORTER
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from golden_cases import case_dirs, load_case
from roundtrip import differences

CASES = case_dirs()


def _outside_manifests(spec: LoadedSpec) -> list[str]:
    """Spec paths that no Kubernetes manifest carries and no warning names.

    - ``variables``: the loader substitutes them; the manifests (and the imported spec) hold the
      values, which are compared where they are used;
    - the other targets' escape hatches (``x-swarm``, ``x-nomad``): not rendered for Kubernetes;
    - a secret's ``description``: a Kubernetes Secret reference has no place for it;
    - ``depends_on``: the translator warns for each entry (``depends_on[0]``); the list goes too.
    """
    app = spec.app
    paths = ["variables", "x_swarm", "x_nomad"]
    paths += [f"secrets.{n}.description" for n in app.secrets]
    for section, name, _ in app.workloads():
        paths += [f"{section}.{name}.x_swarm", f"{section}.{name}.x_nomad", f"{section}.{name}.depends_on"]
    return paths


def _comparable(spec: LoadedSpec) -> dict[str, Any]:
    """The app as data, with two spellings of one meaning made one.

    A config file read from ``file:`` is rendered inline, so it comes back as ``content:``: the
    original's content is the text the loader read.  ``published_port`` equal to ``port`` means
    the same as no ``published_port``.
    """
    data = spec.app.model_dump(mode="json", exclude_defaults=False)
    for section in ("services", "jobs", "cron_jobs"):
        for name, w in data.get(section, {}).items():
            for i, f in enumerate(w.get("files", [])):
                if f.get("file") is not None:
                    f["content"], f["file"] = spec.file_contents[(section, name, i)], None
            for p in w.get("ports", []):
                if p.get("published_port") == p["port"]:
                    p["published_port"] = None
    return data


def _round_trip(case: Path, layout: str, paths: Sequence[str] | None = None) -> tuple[list[str], ImportResult]:
    original = load_case(case)
    bundle = KubernetesTranslator(layout).translate(original)  # type: ignore[arg-type]
    result = IMPORTER.import_files(list(paths or sorted(bundle.files)), MemorySources(bundle.files),
                                   name=original.app.name, environ={})
    imported = check_spec(write_spec(result))
    excluded = sorted({w.path for w in bundle.warnings} | {loss.spec_path for loss in result.losses if loss.spec_path}
                      | set(_outside_manifests(original)))
    return differences(_comparable(original), _comparable(imported), excluded), result


def _explain(case: Path, diff: list[str], result: ImportResult) -> str:
    losses = "\n".join(f"  {loss}" for loss in result.losses)
    return f"{case.name}: imported spec differs\n  " + "\n  ".join(diff) + f"\nlosses:\n{losses}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_round_trip_single_file(case: Path) -> None:
    diff, result = _round_trip(case, "single")
    assert not diff, _explain(case, diff, result)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_round_trip_directory_layout(case: Path) -> None:
    diff, result = _round_trip(case, "directory", ["kubernetes"])
    assert not diff, _explain(case, diff, result)
    assert result.sources and "kubernetes/kustomization.yaml" not in result.sources


def test_kubernetes_import_round_trip_secret_values_stay_out() -> None:
    """The secrets case renders real values into Secrets: none reaches the imported spec or report."""
    case = next(c for c in CASES if c.name == "secrets")
    original = load_case(case)
    bundle = KubernetesTranslator().translate(original)
    result = IMPORTER.import_files(sorted(bundle.files), MemorySources(bundle.files), name=None, environ={})
    text = write_spec(result) + "\n".join(str(loss) for loss in result.losses)
    values = [v.reveal() for v in original.secret_values.values()]
    encoded = [base64.b64encode(v.encode()).decode() for v in values]
    assert values and all(v.strip() and v.strip() not in text for v in values)
    assert all(e in bundle.files["kubernetes/vault.yaml"] and e not in text for e in encoded)


def test_kubernetes_import_round_trip_detects_a_difference() -> None:
    """The comparison can fail: a changed image is reported."""
    case = next(c for c in CASES if c.name == "minimal")
    original = load_case(case)
    bundle = KubernetesTranslator().translate(original)
    files = {k: v.replace("crossdock-test/httpd:1.0", "crossdock-test/httpd:2.0") for k, v in bundle.files.items()}
    result = IMPORTER.import_files(sorted(files), MemorySources(files), name="hello", environ={})
    diff = differences(_comparable(original), _comparable(check_spec(write_spec(result))), [])
    assert diff == ['services.web.image: original "crossdock-test/httpd:1.0" != imported "crossdock-test/httpd:2.0"']
