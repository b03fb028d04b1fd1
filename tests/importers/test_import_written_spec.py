"""The spec an import writes validates and renders as written (issue 20, parts 4 and 5).

- Written with ``-o other/dir/app.yaml``, its paths (a secret's ``from_file``) are relative to
  the spec's own folder, so it loads from any current folder.
- With from_env secrets, it validates and renders for every target in an environment where none
  of their variables is set: render needs no secret value.

Each command runs as a separate process with a minimal environment (PATH and the package's
folder only), so nothing the test runner exported can stand in for a value.  The planted values
stand for secrets in the inputs: they never reach a spec, an output file, stdout or stderr.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crossdock.specs import files

PACKAGE_PARENT = str(Path(files.__file__).parent.parent.parent)  # what puts `crossdock` on sys.path
PLANTED = "PLANTED-4b1d"
SECRET_FILE_TEXT = "file-secret-93e1\n"


def crossdock(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PACKAGE_PARENT,
           "XDG_CACHE_HOME": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "crossdock", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def everything(root: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(root.rglob("*")) if p.is_file())


COMPOSE = f"""services:
  web:
    image: nginx:1.27
    environment:
      DB_PASSWORD: {PLANTED}
      API_TOKEN: ${{API_TOKEN}}
      MODE: production
    volumes:
      - ./conf/nginx.conf:/etc/nginx/nginx.conf:ro
    secrets: [db_key]
secrets:
  db_key:
    file: ./secrets/db_key.txt
"""

KUBERNETES = f"""apiVersion: v1
kind: Secret
metadata: {{name: db-creds}}
stringData:
  password: {PLANTED}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db-creds, key: password}}}}
            - name: API_KEY
              value: {PLANTED}
"""

NOMAD = f"""job "web" {{
  group "web" {{
    task "web" {{
      driver = "docker"
      config {{ image = "nginx:1.27" }}
      env {{
        DB_PASSWORD = "{PLANTED}"
        MODE = "production"
      }}
      template {{
        destination = "secrets/env"
        env = true
        data = <<EOT
API_TOKEN={{{{ with secret "secret/data/web" }}}}{{{{ .Data.data.token }}}}{{{{ end }}}}
EOT
      }}
    }}
  }}
}}
"""

INPUTS = {"compose": ("compose.yaml", COMPOSE), "kubernetes": ("app.yaml", KUBERNETES),
          "nomad": ("web.nomad.hcl", NOMAD)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tmp/shop/ with a compose file's bind-mounted config and secret file; tmp/other/ a
    folder to run from."""
    (tmp_path / "shop" / "conf").mkdir(parents=True)
    (tmp_path / "shop" / "secrets").mkdir()
    (tmp_path / "shop" / "conf" / "nginx.conf").write_text("worker_processes 1;\n")
    (tmp_path / "shop" / "secrets" / "db_key.txt").write_text(SECRET_FILE_TEXT)
    (tmp_path / "other").mkdir()
    return tmp_path


def secrets_of(spec: Path) -> dict[str, dict[str, str]]:
    secrets: dict[str, dict[str, str]] = yaml.safe_load(spec.read_text()).get("secrets", {})
    return secrets


@pytest.mark.parametrize("source", sorted(INPUTS))
def test_import_written_spec_validates_and_renders_with_no_variable_set(project: Path, source: str) -> None:
    name, text = INPUTS[source]
    (project / "shop" / name).write_text(text)
    done = crossdock(["import", f"shop/{name}", "--from", source, "-o", "app.yaml"], project)
    assert done.returncode == 0, done.stderr
    spec = project / "app.yaml"
    secrets = secrets_of(spec)
    variables = sorted(s["from_env"] for s in secrets.values() if "from_env" in s)
    assert variables, spec.read_text()  # the premise: the spec reads secrets from the environment
    assert PLANTED not in spec.read_text() + done.stdout + done.stderr
    done = crossdock(["validate", "app.yaml"], project)
    assert done.returncode == 0, done.stderr
    for var in variables:  # validate says which values deploy will need
        assert f"the environment variable {var} is not set" in done.stderr
    out = project / "out"
    done = crossdock(["render", "app.yaml", "-t", "all", "-o", str(out)], project)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir() if p.is_dir()} == {"kubernetes", "swarm", "nomad"}
    rendered = everything(out)
    assert PLANTED not in rendered + done.stdout + done.stderr
    kinds = [d["kind"] for p in (out / "kubernetes").glob("*.yaml") for d in yaml.safe_load_all(p.read_text()) if d]
    assert "Deployment" in kinds and "Secret" not in kinds
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: secret ")]
    # one per Secret left out: every secret with a value (from_env or from_file; none is external here)
    assert len(notes) == len(secrets) and all("kubectl create secret generic" in n for n in notes)
    done = crossdock(["render", "app.yaml", "-t", "kubernetes", "-o", "-", "--include-secrets"], project)
    assert done.returncode == 2 and "is not set" in done.stderr and done.stdout == ""


def test_import_output_elsewhere_paths_relative_to_the_spec(project: Path) -> None:
    text = COMPOSE.replace(f"      DB_PASSWORD: {PLANTED}\n", "").replace("      API_TOKEN: ${API_TOKEN}\n", "")
    (project / "shop" / "compose.yaml").write_text(text)
    done = crossdock(["import", "shop", "-o", "elsewhere/sub/app.yaml"], project)
    assert done.returncode == 0, done.stderr
    spec = project / "elsewhere" / "sub" / "app.yaml"
    doc = yaml.safe_load(spec.read_text())
    [secret] = [s for s in doc["secrets"].values() if "from_file" in s]
    # relative to the spec's folder, computed here from the two folders
    assert secret["from_file"] == os.path.relpath(project / "shop" / "secrets" / "db_key.txt", spec.parent)
    assert secret["from_file"] == "../../shop/secrets/db_key.txt"
    assert "is outside the spec's folder" in done.stderr and "--allow-path shop/secrets" in done.stderr
    other = project / "other"
    done = crossdock(["validate", "../elsewhere/sub/app.yaml"], other)
    assert done.returncode == 0, done.stderr
    done = crossdock(["render", "../elsewhere/sub/app.yaml", "-t", "all", "-o", "out"], other)
    assert done.returncode == 0, done.stderr
    assert "worker_processes 1;" in everything(other / "out")  # the bind-mounted config, carried
    assert SECRET_FILE_TEXT.strip() not in everything(other / "out")
    # the value, when asked for, is read from where the spec says (with the folder allowed)
    done = crossdock(["render", "../elsewhere/sub/app.yaml", "-t", "kubernetes", "-o", "-", "--include-secrets",
                      "--allow-path", "../shop/secrets"], other)
    assert done.returncode == 0, done.stderr
    secrets = [d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "Secret"]
    assert [d["data"]["value"] for d in secrets] == [base64.b64encode(SECRET_FILE_TEXT.encode()).decode()]


def test_import_output_folder_is_created(project: Path) -> None:
    (project / "shop" / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    done = crossdock(["import", "shop", "-o", "new/folder/app.yaml"], project)
    assert done.returncode == 0, done.stderr
    assert (project / "new" / "folder" / "app.yaml").is_file()
