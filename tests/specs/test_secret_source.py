"""A secret's source used in a plain field is a load error naming both places (issue 19, item 7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\n"
SECRET = "s3cr3t-PLANTED-value-7Q"
DECLARED = "secrets:\n  tok:\n    from_env: TOKEN\n"  # from_env at line 6, column 15
WEB = "services:\n  web:\n    image: nginx:1.27\n"  # lines 7-9


def _problems(tmp_path: Path, body: str, **kw: object) -> list[str]:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + body)
    with pytest.raises(SpecError) as info:
        load(str(spec), environ={"TOKEN": SECRET}, **kw)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def _use(path: str, line: int, col: int) -> str:
    return (f"app.yaml:{line}:{col}: {path}: ${{TOKEN}} is the source of secret 'tok' "
            f"(secrets.tok.from_env at app.yaml:6:15)")


@pytest.mark.parametrize(("field", "path", "value"), [
    ("    env: {COPY: \"${TOKEN}\"}\n", "services.web.env.COPY", '"${TOKEN}"'),
    ("    labels: {build: \"x-${TOKEN}-y\"}\n", "services.web.labels.build", '"x-'),
    ("    command: [run, \"--token=${TOKEN}\"]\n", "services.web.command[1]", '"--token'),
    ("    files:\n      - {path: /etc/t, content: \"t=${TOKEN}\"}\n", "services.web.files[0].content", '"t='),
    ("    x-kubernetes: {annotations: {a: \"${TOKEN:-none}\"}}\n", "services.web.x-kubernetes.annotations.a",
     '"${TOKEN:-'),
])
def test_loader_secret_env_source_in_plain_field_is_refused(tmp_path: Path, field: str, path: str, value: str) -> None:
    lines = field.splitlines()
    line = 10 + len(lines) - 1  # the value is on the field's last line
    col = lines[-1].index(value) + 1
    problems = _problems(tmp_path, DECLARED + WEB + field)
    assert len(problems) == 1 and problems[0].startswith(_use(path, line, col)), problems


def test_loader_secret_env_source_in_image_reported_with_each_use(tmp_path: Path) -> None:
    body = DECLARED + "services:\n  web:\n    image: \"app:${TOKEN}\"\n    labels: {a: \"${TOKEN}\"}\n"
    problems = _problems(tmp_path, body)
    assert [p.split(" is the source")[0] for p in problems] == [
        "app.yaml:9:12: services.web.image: ${TOKEN}", "app.yaml:10:17: services.web.labels.a: ${TOKEN}"]


def test_loader_secret_env_source_used_by_an_overlay_file(tmp_path: Path) -> None:
    overlay = tmp_path / "prod.yaml"
    overlay.write_text("services:\n  web:\n    env:\n      T: ${TOKEN}\n")
    problems = _problems(tmp_path, DECLARED + WEB, overlays=[str(overlay)])
    assert len(problems) == 1 and problems[0].startswith(
        "prod.yaml:4:10: services.web.env.T: ${TOKEN} is the source of secret 'tok' "
        "(secrets.tok.from_env at app.yaml:6:15)"), problems


def test_loader_secret_declared_by_an_environment_overlay(tmp_path: Path) -> None:
    body = (WEB + "    env: {T: \"${TOKEN}\"}\n"
            "environments:\n  prod:\n    secrets:\n      tok: {from_env: TOKEN}\n")
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + body)
    load(str(spec), environ={"TOKEN": SECRET})  # without the environment, TOKEN is an ordinary variable
    problems = _problems(tmp_path, body, env="prod")
    assert len(problems) == 1 and problems[0].startswith(
        "app.yaml:7:14: services.web.env.T: ${TOKEN} is the source of secret 'tok' "
        "(secrets.tok.from_env at app.yaml:11:23)"), problems


@pytest.mark.parametrize("body", [
    # the secret delivered as a secret: the one right way
    DECLARED + WEB + "    secrets: [{secret: tok, env: TOKEN}]\n",
    # another variable in a plain field; the secret's variable only in from_env
    DECLARED + WEB + "    env: {TAG: \"${TAG}\"}\n",
    # $${TOKEN} is a literal text, not a reference
    DECLARED + WEB + "    command: [sh, -c, \"echo $${TOKEN}\"]\n",
])
def test_loader_secret_env_source_not_in_plain_field_loads(tmp_path: Path, body: str) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + body)
    spec_loaded = load(str(spec), environ={"TOKEN": SECRET, "TAG": "1"})
    assert spec_loaded.secret_values["tok"].reveal() == SECRET


FILE_SECRET = "secrets:\n  key:\n    from_file: keys/id.pem\n"  # from_file at line 6, column 16


@pytest.mark.parametrize("name", ["keys/id.pem", "./keys/../keys/id.pem", "link.pem"])
def test_loader_secret_file_also_a_config_file_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "id.pem").write_text(SECRET)
    (tmp_path / "link.pem").symlink_to("keys/id.pem")
    body = FILE_SECRET + WEB + f"    files:\n      - path: /etc/k\n        file: {name}\n"
    problems = _problems(tmp_path, body)
    assert len(problems) == 1 and problems[0].startswith(
        "app.yaml:12:15: services.web.files[0].file: this file is also the source of secret 'key' "
        "(secrets.key.from_file at app.yaml:6:16)"), problems


def test_loader_secret_file_and_another_config_file_load(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "id.pem").write_text(SECRET)
    (tmp_path / "app.conf").write_text("port=1\n")
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + FILE_SECRET + WEB + "    files:\n      - path: /etc/app.conf\n        file: app.conf\n")
    assert load(str(spec), environ={}).secret_values["key"].reveal() == SECRET


def test_cli_secret_source_in_plain_field_exit_2_both_places_no_value(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + DECLARED + WEB + "    labels: {t: \"${TOKEN}\"}\n")
    out = tmp_path / "out"
    env = {**{k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME", "PATH")}, "TOKEN": SECRET}
    proc = subprocess.run([sys.executable, "-m", "crossdock", "render", str(spec), "-t", "all", "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{spec}:10:17: services.web.labels.t: ${{TOKEN}} is the source of secret 'tok' " \
           f"(secrets.tok.from_env at {spec}:6:15)" in proc.stderr
    assert SECRET not in proc.stderr and not out.exists()
