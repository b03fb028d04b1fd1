"""`crossdock import` never copies a value that looks secret, from any of the three importers.

Each fixture plants distinctive values shaped as each kind of secret (a secret-looking name, a
URL with a password, a DSN, a webhook URL, a token, a PEM key, a connection string, a secret
default, a key file).  Expected: exit 0, a ``from_env``/``from_file`` secret for each, and no
planted byte in the spec written, standard output or standard error.  Flags such as
``AUTH_TYPE: trust`` stay plain; ``--not-secret`` and ``--secret`` override per variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.importers.cli_helpers import run

PLANT = "PLANTED"  # every secret value below contains it; nothing plain does
GH = "ghp_" + "PLANTEDx" * 4 + "Ab12"
PEM = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1PLANTED\n-----END OPENSSH PRIVATE KEY-----\n"
PEM_YAML = "|\n" + "".join(f"        {line}\n" for line in PEM.splitlines())


def _import(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[dict[str, Any], str]:
    """Import, check nothing planted leaked anywhere, return the spec and what was printed."""
    out_file = tmp_path / "out" / "app.yaml"
    out_file.parent.mkdir(exist_ok=True)
    code, out, err = run(capsys, "import", "-o", str(out_file), *argv)
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    for where, what in (("spec", text), ("stdout", out), ("stderr", err)):
        assert PLANT not in what, f"a planted value reached the {where}:\n{what}"
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc, text + out + err


def _secret_envs(w: dict[str, Any]) -> set[str]:
    return {m["env"] for m in w.get("secrets", []) if "env" in m}


def _from_env(doc: dict[str, Any]) -> set[str]:
    return {d["from_env"] for d in doc.get("secrets", {}).values() if "from_env" in d}


# ---- compose -------------------------------------------------------------------------------

COMPOSE = f"""\
services:
  web:
    image: nginx:1.27
    env_file: [app.env]
    environment:
      DB_PW: PLANTED-pw
      GPG_PASSPHRASE: PLANTED passphrase
      SIM_PIN: "9{PLANT}1"
      SENTRY_DSN: https://PLANTED@o1.ingest.sentry.io/1
      DATABASE_URL: postgres://app:PLANTED-url@db:5432/app
      REDIS_URL: redis://:PLANTED-redis@redis:6379/0
      NOTIFY: https://hooks.slack.com/services/T000/B000/PLANTEDhook
      CI_BOT: {GH}
      CONN: "Server=db;User Id=sa;Password=PLANTED-conn;"
      ADMIN_PASSWORD: ${{ADMIN_PASSWORD:-PLANTED-default}}
      UPSTREAM: http://api/?user=${{API_TOKEN}}
      LICENSE: PLANTED-licence
      AUTH_TYPE: trust
      POSTGRES_HOST_AUTH_METHOD: trust
      PASSWORD_MIN_LENGTH: "12"
      MYSQL_PASSWORD_FILE: /run/secrets/db
      LOG_LEVEL: debug
      KEEP_TOKEN: kept-in-clear
    volumes:
      - ./id_ed25519:/root/.ssh/id_ed25519:ro
      - ./npmrc:/home/node/.npmrc
      - ./settings.yml:/etc/app/settings.yml
      - ./nginx.conf:/etc/nginx/nginx.conf
"""
COMPOSE_FILES = {
    "app.env": "SESSION_SECRET=PLANTED-envfile\nTZ=Europe/Paris\n",
    ".env": "API_TOKEN=PLANTED-dotenv\n",
    "id_ed25519": PEM,
    "npmrc": "//registry.npmjs.org/:_authToken=PLANTED-npm\n",
    "settings.yml": "db:\n  host: db\n  password: PLANTED-settings\n",
    "nginx.conf": "server { listen 80; }\n",
}


def _compose(tmp_path: Path, compose: str = COMPOSE) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text(compose, encoding="utf-8")
    for name, text in COMPOSE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("label", ["", "    labels:\n      app.kubernetes.io/managed-by: crossdock\n"])
def test_import_secrets_compose(capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str) -> None:
    """Also with crossdock's ownership label, which used to copy every env value in clear."""
    folder = _compose(tmp_path, COMPOSE.replace("    volumes:\n", label + "    volumes:\n"))
    doc, printed = _import(capsys, tmp_path, str(folder / "compose.yaml"), "--not-secret", "KEEP_TOKEN",
                           "--secret", "LICENSE")
    web = doc["services"]["web"]
    assert _secret_envs(web) >= {"DB_PW", "GPG_PASSPHRASE", "SIM_PIN", "SENTRY_DSN", "DATABASE_URL", "REDIS_URL",
                                 "NOTIFY", "CI_BOT", "CONN", "ADMIN_PASSWORD", "SESSION_SECRET", "LICENSE"}
    assert _from_env(doc) >= {"DB_PW", "SENTRY_DSN", "DATABASE_URL", "ADMIN_PASSWORD", "SESSION_SECRET"}
    assert web["env"]["AUTH_TYPE"] == "trust"
    assert web["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert web["env"]["PASSWORD_MIN_LENGTH"] == "12"
    assert web["env"]["MYSQL_PASSWORD_FILE"] == "/run/secrets/db"
    assert web["env"]["KEEP_TOKEN"] == "kept-in-clear"
    assert "API_TOKEN" not in doc.get("variables", {})  # the .env value is withheld
    assert "ADMIN_PASSWORD" not in doc.get("variables", {})  # and so is a secret default
    files = {f["path"] for f in web.get("files", [])}
    assert files == {"/etc/nginx/nginx.conf"}
    mounted = {m["path"]: m["secret"] for m in web["secrets"] if "path" in m}
    assert set(mounted) == {"/root/.ssh/id_ed25519", "/home/node/.npmrc", "/etc/app/settings.yml"}
    for name in mounted.values():
        assert "from_file" in doc["secrets"][name]
    assert "compose.yaml:6" in printed  # the comment / report says where a value was (file:line)


def test_import_secrets_compose_defaults_kept_for_plain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = _compose(tmp_path, "services:\n  web:\n    image: nginx:${TAG:-1.27}\n")
    doc, _ = _import(capsys, tmp_path, str(folder / "compose.yaml"))
    assert doc["variables"] == {"TAG": "1.27"}


@pytest.mark.parametrize("entry", ["      - SLACK_URL=${SLACK_URL:-https://hooks.slack.com/services/T0/B0/PLANTEDx9}\n",
                                   "      - NOTIFY=${SLACK_URL}\n"])
def test_import_secrets_compose_reference_with_a_secret_value(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              entry: str) -> None:
    """A plainly named entry whose variable holds a secret-looking value (a webhook URL as its
    default, or in .env): the value is withheld from variables:, so the entry becomes a secret read
    from that variable; left a variable, the spec would not validate without it exported."""
    folder = _compose(tmp_path, "services:\n  alerts:\n    image: prom/alertmanager:v0.27.0\n    environment:\n"
                      + entry)
    if "NOTIFY" in entry:
        (folder / ".env").write_text("SLACK_URL=https://hooks.slack.com/services/T0/B0/PLANTEDx9\n", encoding="utf-8")
    doc, _ = _import(capsys, tmp_path, str(folder / "compose.yaml"))
    assert _from_env(doc) == {"SLACK_URL"}
    assert "env" not in doc["services"]["alerts"] and "SLACK_URL" not in doc.get("variables", {})


@pytest.mark.parametrize("plain", ["    image: registry.example/app:${T}\n",
                                   "    labels:\n      build: \"${T}\"\n",
                                   "    environment:\n      CALLBACK: \"https://x.example/?v=${T}\"\n"])
def test_import_secrets_compose_source_feeding_a_plain_field(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            plain: str) -> None:
    """TOKEN: ${T} would make T a secret's source; T also feeds a plain field, which the spec
    refuses for a source (issue 19, item 7): TOKEN stays a variable, and a loss line says why."""
    env = "    environment:\n      TOKEN: ${T}\n"
    text = "services:\n  web:\n" + (plain.replace("    environment:\n", env) if "environment" in plain
                                     else "    image: nginx:1.27\n" + plain if "labels" in plain
                                     else plain) + ("" if "environment" in plain else env)
    folder = _compose(tmp_path, text)
    doc, printed = _import(capsys, tmp_path, str(folder / "compose.yaml"))
    assert _from_env(doc) == set()
    assert doc["services"]["web"]["env"]["TOKEN"] == "${T}"
    assert "its variable T also feeds a plain field" in printed


# ---- Kubernetes ----------------------------------------------------------------------------

def _env(name: str, value: str) -> str:
    return f"            - name: {name}\n              value: {value!r}\n"


K8S = f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings}}
data:
  SENTRY_DSN: https://PLANTED@o1.ingest.sentry.io/1
  LOG_LEVEL: info
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: keys}}
data:
  deploy_key: {PEM_YAML}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      initContainers:
        - name: migrate
          image: busybox:1.36
          env:
{_env("DB_PASS", "PLANTED-init")}
      containers:
        - name: web
          image: nginx:1.27
          envFrom:
            - configMapRef: {{name: settings}}
          env:
{_env("DB_PASS", "PLANTED-main")}{_env("DATABASE_URL", "postgres://u:PLANTED@db/app")}{_env("CI_BOT", GH)}\
{_env("AUTH_TYPE", "trust")}{_env("KEEP_TOKEN", "kept-in-clear")}{_env("LICENSE", "PLANTED-licence")}\
            - name: GREETING
              valueFrom: {{configMapKeyRef: {{name: settings, key: LOG_LEVEL}}}}
          volumeMounts:
            - {{name: keys, mountPath: /etc/keys}}
        - name: proxy
          image: envoyproxy/envoy:v1.30.0
          env:
{_env("ADMIN_TOKEN", "PLANTED-sidecar")}{_env("LOG_LEVEL", "debug")}
      volumes:
        - name: keys
          configMap: {{name: keys}}
"""


def test_import_secrets_kubernetes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(K8S, encoding="utf-8")
    doc, printed = _import(capsys, tmp_path, str(path), "--from", "kubernetes", "--not-secret", "KEEP_TOKEN",
                           "--secret", "LICENSE")
    web = doc["services"]["web"]
    assert _secret_envs(web) == {"DB_PASS", "DATABASE_URL", "CI_BOT", "SENTRY_DSN", "LICENSE"}
    assert web["env"]["AUTH_TYPE"] == "trust"
    assert web["env"]["KEEP_TOKEN"] == "kept-in-clear"
    assert web["env"]["LOG_LEVEL"] == "info"
    assert web["env"]["GREETING"] == "info"
    key_mount = [m for m in web["secrets"] if m.get("path") == "/etc/keys/deploy_key"]
    assert len(key_mount) == 1 and "from_env" in doc["secrets"][key_mount[0]["secret"]]
    assert not web.get("files")
    # init steps and sidecars take no secrets: the value is left out, with a loss line
    assert "DB_PASS" not in web["init"][0].get("env", {})
    assert web["sidecars"][0]["env"] == {"LOG_LEVEL": "debug"}
    assert "an init step or a sidecar takes no secrets" in printed
    assert "app.yaml:" in printed


# ---- Nomad ---------------------------------------------------------------------------------

NOMAD = f"""\
variable "db_password" {{
  default = "PLANTED-hcl-default"
}}

variable "region_name" {{
  default = "eu-west"
}}

job "web" {{
  group "web" {{
    task "web" {{
      driver = "docker"
      config {{
        image = "nginx:1.27"
      }}
      env {{
        DB_PW         = "PLANTED-pw"
        DATABASE_URL  = "postgres://u:PLANTED@db/app"
        CI_BOT        = "{GH}"
        PG_PASSWORD   = "${{var.db_password}}"
        DB_URL        = "postgres://u@db/app?password=${{var.db_password}}"
        REGION        = "${{var.region_name}}"
        AUTH_TYPE     = "trust"
        KEEP_TOKEN    = "kept-in-clear"
        LICENSE       = "PLANTED-licence"
      }}
      template {{
        data        = "db:\n  password: PLANTED-template\n"
        destination = "local/settings.yml"
      }}
      template {{
        data        = "server {{ listen 80; }}\n"
        destination = "local/nginx.conf"
      }}
    }}
  }}
}}
"""


def test_import_secrets_nomad(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "web.nomad.hcl"
    path.write_text(NOMAD, encoding="utf-8")
    doc, printed = _import(capsys, tmp_path, str(path), "--not-secret", "KEEP_TOKEN", "--secret", "LICENSE")
    web = doc["services"]["web"]
    assert _secret_envs(web) == {"DB_PW", "DATABASE_URL", "CI_BOT", "PG_PASSWORD", "LICENSE"}
    assert web["env"]["AUTH_TYPE"] == "trust"
    assert web["env"]["KEEP_TOKEN"] == "kept-in-clear"
    assert web["env"]["REGION"] == "${region_name}"
    assert doc["variables"] == {"region_name": "eu-west"}  # db_password's default is withheld
    assert web["env"]["DB_URL"] == "postgres://u@db/app?password=${db_password}"
    assert "var.db_password" in printed and "web.nomad.hcl" in printed
    mounted = {m["path"]: m["secret"] for m in web["secrets"] if "path" in m}
    assert set(mounted) == {"/local/settings.yml"} and "from_env" in doc["secrets"][mounted["/local/settings.yml"]]
    assert [f["path"] for f in web["files"]] == ["/local/nginx.conf"]


def test_import_secrets_compose_source_never_a_shell_variable(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    """A secret read from $PWD or $HOME would take the current folder or the home folder as its
    value in any shell: the source gets a name of its own, and the report says which."""
    folder = _compose(tmp_path, "services:\n  a:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: ${PWD}\n"
                      "    secrets: [s]\nsecrets:\n  s:\n    environment: HOME\n")
    doc, printed = _import(capsys, tmp_path, str(folder / "compose.yaml"))
    assert _from_env(doc) == {"SECRET_PWD", "SECRET_HOME"}
    assert "read from SECRET_PWD instead" in printed and "read from SECRET_HOME instead" in printed
