"""Every YAML scalar problem is an input error with its place, in every command that reads YAML.

Cases from issue 19: unknown tags, malformed typed scalars, Python tags, integers past Python's
4,300-digit conversion limit, and the plain values `=` and `<<`, which YAML 1.2's core schema
(and so docker compose) reads as strings.  Each runs through validate, render, and import from
compose and Kubernetes (Nomad reads HCL and JSON: its own number and escape cases are below).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli_helpers import run

HUGE = "9" * 5000
HUGE_HEX = "0x" + "f" * 4000  # past 4,300 decimal digits once converted

# (id, the YAML value as written, what the message says)
BAD = [
    ("unknown-tag", "!foo bar", "YAML tag !foo is not supported"),
    ("unknown-tag-on-mapping", "!foo {a: 1}", "YAML tag !foo is not supported"),
    ("float-abc", "!!float abc", "not a valid !!float value"),
    ("int-x", "!!int x", "not a valid !!int value"),
    ("timestamp-notatime", "!!timestamp notatime", "not a valid !!timestamp value"),
    ("bool-maybe", "!!bool maybe", "not a valid !!bool value"),
    ("python-name", "!!python/name:os.system", "YAML tag !!python/name:os.system is not supported"),
    ("python-object", "!!python/object/apply:os.system [echo hi]", "YAML tag !!python/object/apply:os.system"),
    ("binary", '!!binary "aGk="', "YAML tag !!binary is not supported"),
    ("set", "!!set {a: null}", "YAML tag !!set is not supported"),
    ("huge-int", HUGE, "an integer of more than 4300 digits"),
    ("huge-hex", HUGE_HEX, "an integer of more than 4300 digits"),
]
PLAIN = [("equals", "=", "="), ("merge-key-as-value", "<<", "<<"), ("not-a-date", "2001-13-45", "2001-13-45")]

SPEC = ("apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\nservices:\n  web:\n    image: nginx:1.27\n"
        "    env:\n      SEPARATOR: {value}\n")
SPEC_AT = "app.yaml:9:18:"  # the value of SEPARATOR
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n    environment:\n      SEPARATOR: {value}\n"
COMPOSE_AT = "compose.yaml:5:18:"
KUBERNETES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: SEPARATOR
              value: {value}
"""
KUBERNETES_AT = "deploy.yaml:17:22:"


def _clean(code: int, err: str, want_code: int) -> None:
    assert code == want_code, err
    assert "Traceback" not in err and "internal error" not in err and "bug" not in err, err


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "message"), [(v, m) for _, v, m in BAD], ids=[i for i, _, _ in BAD])
def test_import_scalars_validate_refuses_with_location(value: str, message: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "app.yaml", SPEC.format(value=value))
    code, out, err = run(capsys, "validate", "app.yaml")
    _clean(code, err, 2)
    assert f"{SPEC_AT} services.web.env.SEPARATOR: {message}" in err


@pytest.mark.parametrize(("value", "message"), [(v, m) for _, v, m in BAD], ids=[i for i, _, _ in BAD])
def test_import_scalars_render_refuses_and_writes_nothing(value: str, message: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "app.yaml", SPEC.format(value=value))
    code, out, err = run(capsys, "render", "app.yaml", "-t", "all", "-o", "out")
    _clean(code, err, 2)
    assert f"{SPEC_AT} services.web.env.SEPARATOR: {message}" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("value", "message"), [(v, m) for _, v, m in BAD], ids=[i for i, _, _ in BAD])
def test_import_scalars_compose_refuses_with_location(value: str, message: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    compose = _write(tmp_path, "compose.yaml", COMPOSE.format(value=value))
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert f"{COMPOSE_AT} services.web.environment.SEPARATOR: {message}" in err
    assert not (tmp_path / "app.yaml").exists()


@pytest.mark.parametrize(("value", "message"), [(v, m) for _, v, m in BAD], ids=[i for i, _, _ in BAD])
def test_import_scalars_kubernetes_refuses_with_location(value: str, message: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _write(tmp_path, "deploy.yaml", KUBERNETES.format(value=value))
    code, out, err = run(capsys, "import", str(manifest), "--from", "kubernetes", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert f"{KUBERNETES_AT} spec.template.spec.containers[0].env[0].value: {message}" in err
    assert not (tmp_path / "app.yaml").exists()


# ---- plain `=`, `<<` and a date that is none: strings, as YAML 1.2 reads them -------------------------

@pytest.mark.parametrize(("value", "expected"), [(v, e) for _, v, e in PLAIN], ids=[i for i, _, _ in PLAIN])
def test_import_scalars_plain_values_validate_and_render_as_strings(value: str, expected: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "app.yaml", SPEC.format(value=value))
    code, out, err = run(capsys, "render", "app.yaml", "-t", "kubernetes", "-o", "out")
    _clean(code, err, 0)
    docs = [d for f in sorted((tmp_path / "out").rglob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    envs = [e for d in docs if d.get("kind") == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])]
    assert {"name": "SEPARATOR", "value": expected} in envs


@pytest.mark.parametrize(("value", "expected"), [(v, e) for _, v, e in PLAIN], ids=[i for i, _, _ in PLAIN])
def test_import_scalars_plain_values_import_from_compose(value: str, expected: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    compose = _write(tmp_path, "compose.yaml", COMPOSE.format(value=value))
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", "-")
    _clean(code, err, 0)
    assert yaml.safe_load(out)["services"]["web"]["env"]["SEPARATOR"] == expected


@pytest.mark.parametrize(("value", "expected"), [(v, e) for _, v, e in PLAIN], ids=[i for i, _, _ in PLAIN])
def test_import_scalars_plain_values_import_from_kubernetes(value: str, expected: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _write(tmp_path, "deploy.yaml", KUBERNETES.format(value=value))
    code, out, err = run(capsys, "import", str(manifest), "--from", "kubernetes", "-o", "-")
    _clean(code, err, 0)
    assert yaml.safe_load(out)["services"]["web"]["env"]["SEPARATOR"] == expected


def test_import_scalars_merge_key_still_merges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `<<` as a key keeps its meaning (compose files share blocks with it); only as a value is it text.
    text = ("x-env: &env {A: one}\nservices:\n  web:\n    image: nginx:1.27\n    environment:\n"
            "      <<: *env\n      B: <<\n")
    compose = _write(tmp_path, "compose.yaml", text)
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", "-")
    _clean(code, err, 0)
    assert yaml.safe_load(out)["services"]["web"]["env"] == {"A": "one", "B": "<<"}


# ---- Nomad: JSON numbers and HCL escapes ----------------------------------------------------------

def _nomad_json(count: str, env: str = '"x"') -> str:
    return ('{"Job": {"ID": "web", "TaskGroups": [{"Name": "web",\n"Count": ' + count + ',\n'
            '"Tasks": [{"Name": "web", "Driver": "docker", "Config": {"image": "nginx:1.27"},\n'
            '"Env": {"A": ' + env + '}}]}]}}\n')


# Line 2 is `"Count": <n>,` (the number at column 10); line 4 is `"Env": {"A": "...` (the string's
# quote at column 14).
@pytest.mark.parametrize(("count", "env", "where", "message"), [
    (HUGE, '"x"', "job.json:2:10:", "more than 4300 digits"),
    ("1e999", '"x"', "job.json:2:10:", "the number 1e999 is not one a Nomad job can hold"),
    ("NaN", '"x"', "job.json:2:10:", "the number NaN"),
    ("-Infinity", '"x"', "job.json:2:10:", "the number -Infinity"),
    ("1", '"a\\ud800b"', "job.json:4:16:", "the escape \\ud800 is half of a UTF-16 surrogate pair"),
    ("1", '"\\udc00"', "job.json:4:15:", "the escape \\udc00 is half"),
], ids=["huge-int", "infinite", "nan", "minus-infinity", "lone-high-surrogate", "lone-low-surrogate"])
def test_import_scalars_nomad_json_refuses_with_location(count: str, env: str, where: str, message: str,
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = _write(tmp_path, "job.json", _nomad_json(count, env))
    code, out, err = run(capsys, "import", str(job), "--from", "nomad", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert f"{job.parent}/{where}" in err and message in err, err
    assert not (tmp_path / "app.yaml").exists()


def test_import_scalars_nomad_json_surrogate_pair_is_a_character(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    job = _write(tmp_path, "job.json", _nomad_json("1", '"\\ud83d\\ude00 \\\\ud800"'))  # a pair, then text
    code, out, err = run(capsys, "import", str(job), "--from", "nomad", "-o", "-")
    _clean(code, err, 0)
    assert yaml.safe_load(out)["services"]["web"]["env"]["A"] == "\U0001F600 \\ud800"


NOMAD_HCL = """\
job "web" {{
  group "web" {{
    count = {count}
    task "web" {{
      driver = "docker"
      config {{
        image = "nginx:1.27"
      }}
      env {{
        A = "{env}"
      }}
    }}
  }}
}}
"""


@pytest.mark.parametrize(("count", "env", "where", "message"), [
    (HUGE, "x", "job.nomad:3:13:", "a number of more than 4300 digits"),
    ("1", "\\UFFFFFFFF", "job.nomad:9:", "the escape \\UFFFFFFFF is not a Unicode character"),
    ("1", "\\uD800", "job.nomad:9:", "the escape \\uD800 is not a Unicode character"),
], ids=["huge-int", "escape-past-unicode", "escape-surrogate"])
def test_import_scalars_nomad_hcl_refuses_with_location(count: str, env: str, where: str, message: str,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = _write(tmp_path, "job.nomad", NOMAD_HCL.format(count=count, env=env))
    code, out, err = run(capsys, "import", str(job), "--from", "nomad", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert f"{job.parent}/{where}" in err and message in err, err
    assert not (tmp_path / "app.yaml").exists()


# ---- images through the importers -------------------------------------------------------------------

def test_import_scalars_compose_bad_image_is_refused_at_the_image(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    compose = _write(tmp_path, "compose.yaml", "services:\n  web:\n    image: Nginx:1.27\n")
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert "compose.yaml:3:12: services.web.image: 'Nginx:1.27' is not an image reference" in err
    assert "lowercase" in err


def test_import_scalars_compose_image_with_variables_is_checked_at_render(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    compose = _write(tmp_path, "compose.yaml", "services:\n  web:\n    image: ${REGISTRY}/app:${TAG:-1.0}\n")
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", "-")
    _clean(code, err, 0)
    assert yaml.safe_load(out)["services"]["web"]["image"] == "${REGISTRY}/app:${TAG}"


@pytest.mark.parametrize("image", ["postgres:${PG_VERSION:16}",  # not compose syntax (docker compose refuses it)
                                   "${REGISTRY:-gcr.io/google-samp",  # a cut-off reference
                                   "app:${TAG:-not a tag}"])  # a default that is no tag
def test_import_scalars_compose_image_with_variables_refused_when_no_value_makes_it_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], image: str) -> None:
    """Found by the fuzz test: such an image made a spec that does not load ("a bug in crossdock
    import", exit 1); it is the compose file's problem, at its image."""
    compose = _write(tmp_path, "compose.yaml", f"services:\n  web:\n    image: '{image}'\n")
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", str(tmp_path / "app.yaml"))
    _clean(code, err, 2)
    assert "compose.yaml:3:12: services.web.image: " in err
    assert "is not an image reference once its variables are set" in err
    assert not (tmp_path / "app.yaml").exists()


def test_import_scalars_nomad_bad_image_is_a_loss_at_the_task(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    job = _write(tmp_path, "job.nomad", NOMAD_HCL.format(count="1", env="x").replace("nginx:1.27", "Nginx:1.27"))
    code, out, err = run(capsys, "import", str(job), "--from", "nomad", "-o", "-")
    _clean(code, err, 0)
    assert "job.nomad:4:0: job.web.group.web.task.web.config.image: expected an image reference" in err
    assert "Nginx" not in out


def test_import_scalars_kubernetes_bad_image_is_a_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _write(tmp_path, "deploy.yaml", KUBERNETES.format(value="x").replace("nginx:1.27", "Nginx:1.27"))
    code, out, err = run(capsys, "import", str(manifest), "--from", "kubernetes", "-o", "-")
    _clean(code, err, 0)
    assert "deploy.yaml:11:5: Deployment/web: spec.template.spec: no container with an image" in err
    assert "Nginx" not in out


# ---- bytes no platform carries, found by the fuzz test (seed 23) ---------------------------------

@pytest.mark.parametrize("content", [b"scrape_interval: 15s\x00\n", b"scrape_interval: \xff\xfe15s\n"])
@pytest.mark.parametrize("how", ["bind", "config"])
def test_import_scalars_compose_file_that_is_not_text_is_a_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               content: bytes, how: str) -> None:
    """A NUL or undecodable bytes in a file compose mounts made a spec that did not load ("a bug
    in crossdock import"): the file is left out, with a loss line at its mount."""
    (tmp_path / "prometheus.yml").write_bytes(content)
    mount = ("    volumes:\n      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro\n" if how == "bind" else
             "    configs:\n      - source: prom\n        target: /etc/prometheus/prometheus.yml\n"
             "configs:\n  prom:\n    file: ./prometheus.yml\n")
    compose = _write(tmp_path, "compose.yaml", "services:\n  web:\n    image: prom/prometheus:v2\n" + mount)
    code, out, err = run(capsys, "import", str(compose), "--from", "compose", "-o", "-")
    _clean(code, err, 0)
    # A NUL is text that no platform carries; undecodable bytes are refused as they are read.
    assert ("holds a NUL character or bytes that are not UTF-8 text" if b"\x00" in content else "cannot be read") in err
    assert "scrape_interval" not in out


def test_import_scalars_nomad_label_with_a_control_character(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A raw control character inside a quoted block label made json.loads fail (internal error)."""
    job = _write(tmp_path, "job.nomad.hcl", 'job "web" {\n  group "a\x01b" {\n    task "web" {\n'
                 '      driver = "docker"\n      config {\n        image = "nginx:1.27"\n      }\n    }\n  }\n}\n')
    code, out, err = run(capsys, "import", str(job), "--from", "nomad", "-o", "-")
    assert code in (0, 2), err
    _clean(code, err, code)
    assert "\x01" not in err
