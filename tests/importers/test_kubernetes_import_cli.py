"""`crossdock import` on Kubernetes manifests: auto detection, exit codes, the spec on stdout,
the loss report on stderr, clear one-line errors for broken and hostile input (exit code 2),
and no secret value anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from cli_helpers import FIXTURES, run, write

MARKERS = ["MARKER-voting-db-password-4711", "MARKER-shop-payment-key", "MARKER-literal-session-secret-99"]
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
"""


@pytest.mark.parametrize("fixture", ["k8s-voting-app", "k8s-shop-ingress", "k8s-stateful-web"])
def test_kubernetes_import_cli_fixture_auto_detected(capsys: pytest.CaptureFixture[str], fixture: str) -> None:
    code, out, err = run(capsys, "import", str(FIXTURES / fixture))
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["apiVersion"] == "crossdock/v1" and spec["services"]
    assert "Loss report" in err and "Traceback" not in err
    assert all(marker not in out and marker not in err for marker in MARKERS)


def test_kubernetes_import_cli_strict_fails_with_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "app.yaml"
    code, out, err = run(capsys, "import", "--from", "kubernetes", "--strict", "-o", str(out_file),
                         str(FIXTURES / "k8s-voting-app"))
    assert code == 3 and out == "" and not out_file.exists()
    assert "db-deployment.yaml:13:5: Deployment/db: spec.strategy.type: changed:" in err


def test_kubernetes_import_cli_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write(tmp_path, "web.yaml", DEPLOYMENT)
    code, _, err = run(capsys, "import", src, "-o", str(tmp_path / "app.yaml"), "--name", "site", "--strict")
    assert code == 0, err
    spec = yaml.safe_load((tmp_path / "app.yaml").read_text())
    assert spec["metadata"] == {"name": "site"} and spec["services"]["web"]["image"] == "nginx:1.27"
    assert "wrote" in err and "1 services" in err


def test_kubernetes_import_cli_unknown_kind_is_a_loss(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write(tmp_path, "all.yaml", DEPLOYMENT + "---\napiVersion: nope.example/v1\nkind: Frobnicator\n"
                                                   "metadata: {name: f}\n")
    code, out, err = run(capsys, "import", "--from", "kubernetes", src)
    assert code == 0, err
    assert "all.yaml:11:1: Frobnicator/f: changed: the spec has no Frobnicator" in err
    assert yaml.safe_load(out)["x-kubernetes"]["resources"][0]["kind"] == "Frobnicator"
    code, _, _ = run(capsys, "import", "--from", "kubernetes", "--strict", src)
    assert code == 3


@pytest.mark.parametrize("text, expected", [
    ("apiVersion: v1\nkind: Service\nmetadata: {name: [x\n", "bad.yaml:4:1: YAML syntax error"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n- not\n- an object\n",
     "bad.yaml:5:1: expected a Kubernetes object"),
    ("apiVersion: v1\nkind: ConfigMap\nkind: Secret\n", "bad.yaml:3:1: kind: duplicate key 'kind'"),
])
def test_kubernetes_import_cli_broken_input_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str,
                                                   expected: str) -> None:
    src = write(tmp_path, "bad.yaml", text)
    code, out, err = run(capsys, "import", "--from", "kubernetes", src)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) <= 2


def test_kubernetes_import_cli_huge_file_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n")
        fh.write("  k: " + "x" * (4 * 1024 * 1024 + 10) + "\n")
    code, out, err = run(capsys, "import", "--from", "kubernetes", str(path))
    assert code == 2 and out == "" and "larger than 4 MiB" in err and "Traceback" not in err
    assert os.path.getsize(path) > 4 * 1024 * 1024


def test_kubernetes_import_cli_secret_values_stay_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    marker = "MARKER-cli-stringdata-2001"
    src = write(tmp_path, "s.yaml", f"apiVersion: v1\nkind: Secret\nmetadata: {{name: token}}\n"
                                    f"stringData: {{value: {marker}}}\n---\n" + DEPLOYMENT.replace(
                                        "image: nginx:1.27}", "image: nginx:1.27, env: [{name: TOKEN, valueFrom: "
                                        "{secretKeyRef: {name: token, key: value}}}]}"))
    code, out, err = run(capsys, "import", "--from", "kubernetes", src)
    assert code == 0, err
    assert marker not in out and marker not in err
    spec = yaml.safe_load(out)
    assert spec["secrets"] == {"token": {"from_env": "TOKEN"}}
    assert spec["services"]["web"]["secrets"] == [{"secret": "token", "env": "TOKEN"}]
