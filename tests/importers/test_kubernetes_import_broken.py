"""Broken and hostile Kubernetes input: one clear InputError (exit code 2) with file:line:col, or
a loss when the input is valid but foreign; never a traceback, never a secret value."""

from __future__ import annotations

import base64
import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from crossdock.errors import EXIT_INVALID, CrossdockError, InputError
from crossdock.translators.importers.base import FileSources, MemorySources, check_spec, write_spec
from crossdock.translators.importers.kubernetes import IMPORTER
from crossdock.translators.kubernetes.translator import KubernetesTranslator
from golden_cases import case_dirs, load_case

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"


def _error(files: dict[str, str], paths: list[str] | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        IMPORTER.import_files(paths or sorted(files), MemorySources(files), name="t", environ={})
    assert info.value.exit_code == EXIT_INVALID
    return info.value


@pytest.mark.parametrize("files, expected", [
    ({"bad.yaml": "apiVersion: v1\nkind: [Service\n"},
     "bad.yaml:3:1: YAML syntax error: did not find expected ',' or ']'"),
    ({"list.yaml": "- a\n- b\n"}, "list.yaml:1:1: expected a Kubernetes object (a mapping with apiVersion and kind), "
                                 "got a list"),
    ({"two.yaml": CONFIG_MAP + "---\njust some text\n"}, "two.yaml:6:1: expected a Kubernetes object"),
    ({"items.yaml": "apiVersion: v1\nkind: List\nitems:\n  - 42\n"}, "items.yaml:4:5: items[0]: expected a "
                                                                     "Kubernetes object, got a number"),
    ({"dup.yaml": "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n"}, "dup.yaml:3:1: kind: duplicate key 'kind'"),
    ({"tabs.yaml": "apiVersion: v1\nmetadata:\n\tname: x\n"}, "tabs.yaml:3:1: tab character in indentation"),
    ({"laughs.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(6))}, "aliases expand to more than 50000 values"),
    ({"deep.yaml": "a: " + "[" * 200 + "]" * 200 + "\n"}, "nesting deeper than 64 levels"),
    ({"k/kustomization.yaml": "resources: [../j]\n", "j/kustomization.yaml": "resources: [../k]\n"},
     "kustomizations include each other in a cycle"),
    ({"chart.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n"
                    "    {{- include \"labels\" . | nindent 4 }}\n"},
     "chart.yaml:6:7: YAML syntax error"),
    ({"chart.yaml": "apiVersion: v1\nkind: Service\nspec:\n  ports: [{{ .Values.port }}\n"},
     "(this looks like a Helm template: render it first"),
])
def test_kubernetes_import_broken_input_is_one_clear_error(files: dict[str, str], expected: str) -> None:
    paths = ["k"] if "k/kustomization.yaml" in files else None
    message = str(_error(files, paths))
    assert expected in message
    assert "Traceback" not in message


def test_kubernetes_import_refuses_huge_files(tmp_path: Path) -> None:
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + "  k: " + "x" * (4 * 1024 * 1024) + "\n"
    assert "larger than 4 MiB" in str(_error({"big.yaml": big}))
    (tmp_path / "big.yaml").write_text(big)
    with pytest.raises(InputError, match="big.yaml: file is larger than 4 MiB"):
        IMPORTER.import_files([str(tmp_path / "big.yaml")], FileSources(), name="t", environ={})


def test_kubernetes_import_refuses_missing_paths_and_bad_encoding(tmp_path: Path) -> None:
    assert "nope.yaml: no such file or folder" in str(_error({"a.yaml": CONFIG_MAP}, ["nope.yaml"]))
    (tmp_path / "bin.yaml").write_bytes(b"apiVersion: v1\nkind: \xff\n")
    with pytest.raises(CrossdockError) as info:
        IMPORTER.import_files([str(tmp_path / "bin.yaml")], FileSources(), name="t", environ={})
    assert info.value.exit_code == EXIT_INVALID and "bin.yaml:2:7: file is not valid UTF-8" in str(info.value)


def test_kubernetes_import_unknown_kinds_are_reported_not_fatal() -> None:
    files = {"x.yaml": "apiVersion: made.up/v9\nkind: Gizmo\nmetadata: {name: g}\nspec: {level: 11}\n---\n"
                       "apiVersion: v1\nmetadata: {name: no-kind}\n---\n"
                       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                       "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                       "    spec: {containers: [{name: web, image: nginx:1.27}]}\n"}
    result = IMPORTER.import_files(["x.yaml"], MemorySources(files), name="t", environ={})
    app = check_spec(write_spec(result)).app
    assert list(app.services) == ["web"]
    report = [str(loss) for loss in result.losses]
    assert "x.yaml:1:1: Gizmo/g: changed: the spec has no Gizmo: kept for Kubernetes only, in " \
           "x-kubernetes.resources" in report
    assert "x.yaml:6:1: x.yaml: not a Kubernetes object (no kind or metadata.name): skipped" in report


def test_kubernetes_import_secret_values_never_leave_the_secret() -> None:
    """stringData, data and kubectl's last-applied record all hold the value: none is copied."""
    marker = "MARKER-hostile-stringdata-8086"
    applied = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                          "stringData": {"password": marker}})
    files = {"s.yaml": f"""apiVersion: v1
kind: Secret
metadata:
  name: s
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{applied}'
    note: fine
type: kubernetes.io/basic-auth
stringData:
  password: {marker}
data:
  username: {base64.b64encode(marker.encode()).decode()}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, annotations: {{kubectl.kubernetes.io/last-applied-configuration: '{applied}'}}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - {{name: DB_PASSWORD, value: {marker}}}
            - {{name: FROM_SECRET, valueFrom: {{secretKeyRef: {{name: s, key: password}}}}}}
"""}
    result = IMPORTER.import_files(["s.yaml"], MemorySources(files), name="t", environ={})
    text = write_spec(result)
    report = "\n".join(str(loss) for loss in result.losses)
    for form in (marker, base64.b64encode(marker.encode()).decode()):
        assert form not in text and form not in report and form not in json.dumps(result.doc)
    app = check_spec(text).app
    assert app.secrets["db-password"].from_env == "DB_PASSWORD"
    assert "s.yaml:6:5: Secret/s: metadata.annotations.kubectl.kubernetes.io/last-applied-configuration: " \
           "kubectl's record of the last applied object: not imported" in report
    assert "Secret/s: type: changed: the spec's secrets have no type" in report


def _shapes() -> list[dict[str, Any]]:
    """Every object of the fixtures and of the golden cases' Kubernetes renders."""
    docs: list[dict[str, Any]] = []
    for p in sorted((Path(__file__).parent.parent / "fixtures" / "import").glob("k8s-*/**/*")):
        if p.suffix in (".yaml", ".json") and p.name != "kustomization.yaml":
            for d in yaml.safe_load_all(p.read_text()):
                docs += d["items"] if d.get("kind") == "List" else [d]
    for case in case_dirs():
        for text in KubernetesTranslator().translate(load_case(case)).files.values():
            docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


_ODD_VALUES: list[Any] = [None, "x", "", 0, -1, 70000, True, [], {}, ["a"], {"a": 1}, [{"name": "x"}], "$(X)",
                          "Ab_C", "/p", "1.5Gi", "25%"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        out += [p for k, v in value.items() for p in _paths(v, path + (k,))]
    elif isinstance(value, list):
        out += [p for i, v in enumerate(value) for p in _paths(v, path + (i,))]
    return out


def test_kubernetes_import_any_shape_loads_or_is_refused_cleanly() -> None:
    """Real objects with one to three values swapped for values of other types: the import either
    refuses with an InputError naming the file, or writes a spec that loads (never a traceback)."""
    docs, rnd = _shapes(), random.Random(5)
    for _ in range(400):
        group = [copy.deepcopy(d) for d in rnd.sample(docs, rnd.randint(1, 5))]
        for _ in range(rnd.randint(1, 3)):
            doc = rnd.choice(group)
            path = rnd.choice(_paths(doc)[1:])
            target = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = copy.deepcopy(rnd.choice(_ODD_VALUES))
        text = "---\n".join(yaml.safe_dump(d) for d in group)
        try:
            result = IMPORTER.import_files(["a.yaml"], MemorySources({"a.yaml": text}), name=None, environ={})
        except InputError as e:
            assert str(e).startswith("a.yaml:"), str(e)
            continue
        check_spec(write_spec(result))
