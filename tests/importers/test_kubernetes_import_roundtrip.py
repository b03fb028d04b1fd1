"""The round trip: import(render(spec, kubernetes), kubernetes) gives every golden case back.

Both layouts of the Kubernetes translator: one multi-document file (the shared ``assert_round_trip``),
and one file per object with kustomization.yaml (imported by naming the folder, so the importer
follows the kustomization).  Fields the translator warned about or the importer reported lost are
left out (``roundtrip``); beyond those, the few parts of a loaded spec that never reach any
manifest are listed in ``INEXPRESSIBLE`` with the reason; everything else must come back equal.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Sequence

import pytest
import yaml

from crossdock.specs.loader import LoadedSpec
from crossdock.translators.importers.base import ImportResult, MemorySources, check_spec, write_spec
from crossdock.translators.importers.kubernetes import IMPORTER
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from golden_cases import case_dirs, load_case
from roundtrip import assert_round_trip, differences

CASES = case_dirs()


# Spec paths that no Kubernetes manifest carries and no portability warning names:
INEXPRESSIBLE = (
    "variables",  # the loader substitutes them; the values are compared where they are used
    "x-swarm", "x-nomad", "*.*.x-swarm", "*.*.x-nomad",  # the other targets' escape hatches: not rendered
    "secrets.*.description",  # a Kubernetes Secret reference has no place for it
    "*.*.depends_on",  # the translator warns for each entry (depends_on[0]); the list goes too
)


def _same_published_port(data: dict[str, Any]) -> dict[str, Any]:
    """``published_port`` equal to ``port`` means the same as no ``published_port``."""
    for section in ("services", "jobs", "cron_jobs"):
        for w in data.get(section, {}).values():
            for p in w.get("ports", []):
                if p.get("published_port") == p["port"]:
                    p["published_port"] = None
    return data


_NO_SECURITY = {"user": None, "group": None, "read_only_root": False, "capabilities": None, "privileged": False,
                "no_new_privileges": False}


def _security_patch_as_field(data: dict[str, Any]) -> dict[str, Any]:
    """A main container's ``securityContext.readOnlyRootFilesystem`` given through x-kubernetes
    (the extensions case) is the spec's ``security.read_only_root``, which the importer reads it as."""
    for section in ("services", "jobs", "cron_jobs"):
        for name, w in data.get(section, {}).items():
            pod = ((w.get("x-kubernetes") or {}).get("spec") or {}).get("template", {}).get("spec", {})
            for c in pod.get("containers", []):
                if c.get("name") == name and c.get("securityContext", {}).pop("readOnlyRootFilesystem", False):
                    w["security"] = {**(w.get("security") or _NO_SECURITY), "read_only_root": True}
                    if not c["securityContext"]:
                        del c["securityContext"]
            pod["containers"] = [c for c in pod.get("containers", []) if set(c) != {"name"}]
            if not pod["containers"]:
                del pod["containers"]
    return data


def _normalized(data: dict[str, Any]) -> dict[str, Any]:
    return _security_patch_as_field(_same_published_port(data))


def _comparable(spec: LoadedSpec) -> dict[str, Any]:
    """The app as data, config files read from ``file:`` given as their ``content:`` (a render
    keeps only the content), published ports made one spelling."""
    data = spec.app.model_dump(mode="json", exclude_defaults=False)
    for (section, name, i), text in spec.file_contents.items():
        data[section][name]["files"][i].update(file=None, content=text)
    return _normalized(data)


def _round_trip(case: Path, layout: str, paths: Sequence[str] | None = None) -> tuple[list[str], ImportResult]:
    original = load_case(case)
    bundle = KubernetesTranslator(layout).translate(original)  # type: ignore[arg-type]
    result = IMPORTER.import_files(list(paths or sorted(bundle.files)), MemorySources(bundle.files),
                                   name=original.app.name, environ={})
    imported = check_spec(write_spec(result))
    excluded = sorted({w.path for w in bundle.warnings} | {loss.spec_path for loss in result.losses if loss.spec_path}
                      | set(INEXPRESSIBLE))
    return differences(_comparable(original), _comparable(imported), excluded), result


def _explain(case: Path, diff: list[str], result: ImportResult) -> str:
    losses = "\n".join(f"  {loss}" for loss in result.losses)
    return f"{case.name}: imported spec differs\n  " + "\n  ".join(diff) + f"\nlosses:\n{losses}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_round_trip_single_file(case: Path) -> None:
    assert_round_trip(case, "kubernetes", "kubernetes", inexpressible=INEXPRESSIBLE, normalize=_normalized)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_round_trip_directory_layout(case: Path) -> None:
    diff, result = _round_trip(case, "directory", ["kubernetes"])
    assert not diff, _explain(case, diff, result)
    assert result.sources and "kubernetes/kustomization.yaml" not in result.sources


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_round_trip_directory_layout_files_named(case: Path) -> None:
    """Every file of the folder named, kustomization.yaml among them: each object is read once."""
    files = sorted(KubernetesTranslator("directory").translate(load_case(case)).files)
    diff, result = _round_trip(case, "directory", files)
    assert not diff, _explain(case, diff, result)
    assert len(result.sources) == len(set(result.sources)) == len(files) - 1


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


def _documents(texts: dict[str, str]) -> dict[tuple[str, str], Any]:
    out = {}
    for text in texts.values():
        for doc in yaml.safe_load_all(text):
            if doc and doc.get("kind") != "Kustomization":
                if doc["kind"] == "Secret":
                    doc.pop("data")  # values are never imported: the re-render holds placeholders
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


@pytest.mark.parametrize("layout", ["single", "directory"])
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_kubernetes_import_rerender_gives_the_same_manifests(case: Path, layout: str) -> None:
    """Stronger than the spec comparison: rendering the imported spec gives back every object the
    original rendered to, field for field (Secret values aside)."""
    translator = KubernetesTranslator(layout)  # type: ignore[arg-type]
    first = translator.translate(load_case(case))
    result = IMPORTER.import_files(sorted(first.files), MemorySources(first.files), name=None, environ={})
    again = translator.translate(check_spec(write_spec(result)))
    before, after = _documents(first.files), _documents(again.files)
    assert sorted(before) == sorted(after)
    assert [k for k in before if before[k] != after[k]] == []
