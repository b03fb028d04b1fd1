"""render writes no secret value unless asked (issue 19): a Kubernetes Secret holding the value of
a from_file/from_env secret is left out of every file and of stdout, in both layouts, with one
note per secret saying how to create it; --include-secrets (once --with-secret-values, still accepted)
writes it, in files of mode 0600.  Swarm and Nomad files never hold a value, flag or not.  `crossdock
deploy` still gets the Secrets.  Render needs no value (issue 20): a from_env secret whose variable is
unset is left out the same way; --strict fails on a left-out Secret; --include-secrets then exits 2.

Expected values are computed here from the secret files' bytes, not taken from crossdock's output.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from crossdock.cli.main import main

ROOT = Path(__file__).parent.parent.parent
SHOP = "examples/shop/app.yaml"  # run from ROOT, so the note's path is the one a user would type
SECRET_FILES = sorted((ROOT / "examples" / "shop" / "secrets").iterdir())
WITHHELD = ("note: secret db-password is not written to {where} (it holds a value): crossdock deploy creates it, "
            "or kubectl create secret generic db-password --from-file=value=examples/shop/secrets/db-password.txt "
            "-n <namespace> && kubectl label secret db-password app.kubernetes.io/managed-by=crossdock "
            "app.kubernetes.io/name=shop app.kubernetes.io/part-of=shop team=storefront -n <namespace>; "
            "--include-secrets writes it")
LAYOUTS = {"single": "kubernetes/shop.yaml", "directory": "kubernetes/secret-db-password.yaml"}


def forbidden() -> list[bytes]:
    """Every secret value of the example (db-password's and the external api-token's, which is not
    the spec's to write either), raw and as base64, and without a trailing newline."""
    values = {p.read_bytes() for p in SECRET_FILES} | {p.read_bytes().rstrip(b"\n") for p in SECRET_FILES}
    assert all(len(v) >= 8 for v in values)  # long enough that a match is no accident
    return sorted(values | {base64.b64encode(v) for v in values})


def leaks(blob: bytes) -> list[bytes]:
    return [v for v in forbidden() if v in blob]


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(ROOT)
    old = os.umask(0o022)  # the usual umask: other files are 0644
    yield
    os.umask(old)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, bytes, str]:
    code = main(["render", *argv])
    out, err = capsys.readouterr()
    return code, out.encode(), err


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sections(stdout: bytes) -> dict[str, bytes]:
    """stdout cut at its `# ==> path <==` headers (a single file has none: it is the primary)."""
    text = stdout.decode()
    if not text.startswith("# ==> "):
        return {"kubernetes/shop.yaml": stdout}
    out: dict[str, bytes] = {}
    for chunk in text.split("# ==> ")[1:]:
        head, _, body = chunk.partition(" <==\n")
        out[head] = body.encode()
    return out


def documents(files: dict[str, bytes]) -> list[dict[str, Any]]:
    """Every YAML document of the Kubernetes files but kustomization.yaml (must all parse)."""
    docs: list[dict[str, Any]] = []
    for path, blob in files.items():
        if path.endswith(".yaml") and not path.endswith("kustomization.yaml"):
            docs += [d for d in yaml.safe_load_all(blob) if d is not None]
    return docs


def references(node: Any) -> set[str]:
    """The Secret names the manifests reference (env secretKeyRef, secret volumes)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("secretKeyRef"), dict):
            found.add(node["secretKeyRef"]["name"])
        if isinstance(node.get("secret"), dict) and "secretName" in node["secret"]:
            found.add(node["secret"]["secretName"])
        for v in node.values():
            found |= references(v)
    elif isinstance(node, list):
        for v in node:
            found |= references(v)
    return found


def kubernetes_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str, dest: str,
                      *extra: str) -> tuple[dict[str, bytes], bytes, str]:
    """Render the example for Kubernetes; returns the files by path under DIR (or stdout's
    sections), all bytes written (files and stdout), and stderr."""
    where = "-" if dest == "stdout" else str(tmp_path / "out")
    code, out, err = run(capsys, SHOP, "-t", "kubernetes", "--layout", layout, "-o", where, "-q", *extra)
    assert code == 0, err
    files = sections(out) if dest == "stdout" else files_of(tmp_path / "out")
    return files, out + b"".join(files.values()), err


@pytest.mark.parametrize("dest", ["dir", "stdout"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_render_secrets_left_out_without_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str,
                                              dest: str) -> None:
    files, written, err = kubernetes_output(tmp_path, capsys, layout, dest)
    assert leaks(written + err.encode()) == []
    docs = documents(files)
    assert [d["kind"] for d in docs if d["kind"] == "Secret"] == []
    assert "Deployment" in {d["kind"] for d in docs}  # the rest is there, parsed
    assert references(docs) == {"db-password", "api-token"}  # still referenced by name
    if layout == "directory":
        listed = yaml.safe_load(files["kubernetes/kustomization.yaml"])["resources"]
        present = {p.removeprefix("kubernetes/") for p in files if p.endswith(".yaml")} - {"kustomization.yaml"}
        assert sorted(listed) == sorted(present) and "secret-db-password.yaml" not in listed
    shown = LAYOUTS[layout] if dest == "stdout" else str(tmp_path / "out" / LAYOUTS[layout])
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert notes == [WITHHELD.format(where=shown)]  # one per left-out secret; none for the external one


@pytest.mark.parametrize("umask", [0o022, 0o000])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_render_secrets_written_with_flag_mode_0600(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    layout: str, umask: int) -> None:
    os.umask(umask)
    files, _, err = kubernetes_output(tmp_path, capsys, layout, "dir", "--include-secrets")
    assert "note:" not in err
    secrets = [d for d in documents(files) if d["kind"] == "Secret"]
    expected = base64.b64encode((ROOT / "examples/shop/secrets/db-password.txt").read_bytes()).decode()
    assert [(d["metadata"]["name"], d["data"]) for d in secrets] == [("db-password", {"value": expected})]
    modes = {p: (tmp_path / "out" / p).stat().st_mode & 0o777 for p in files}  # the marker file included
    holding = LAYOUTS[layout]
    assert modes[holding] == 0o600
    assert {m for p, m in modes.items() if p != holding} == {0o666 & ~umask}
    if layout == "directory":
        assert "secret-db-password.yaml" in yaml.safe_load(files["kubernetes/kustomization.yaml"])["resources"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_render_secrets_flag_on_stdout_prints_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        layout: str) -> None:
    files, written, err = kubernetes_output(tmp_path, capsys, layout, "stdout", "--include-secrets")
    expected = base64.b64encode((ROOT / "examples/shop/secrets/db-password.txt").read_bytes())
    assert expected in files[LAYOUTS[layout]] and "note:" not in err


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_render_secrets_other_documents_unchanged_by_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          layout: str) -> None:
    """Leaving the Secret out changes nothing else: same other files, names and documents."""
    without, _, _ = kubernetes_output(tmp_path / "a", capsys, layout, "dir")
    # the name the flag had before --include-secrets, kept (hidden) for scripts that use it
    with_values, _, _ = kubernetes_output(tmp_path / "b", capsys, layout, "dir", "--with-secret-values")
    if layout == "directory":
        differing = {p for p in with_values if without.get(p) != with_values[p]}
        assert differing == {LAYOUTS[layout], "kubernetes/kustomization.yaml"}
    kept = [d for d in documents(with_values) if d["kind"] != "Secret"]
    assert documents(without) == kept


@pytest.mark.parametrize("target", ["swarm", "nomad"])
def test_render_secrets_swarm_nomad_unchanged_by_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      target: str) -> None:
    outputs = []
    for i, extra in enumerate([(), ("--include-secrets",)]):
        code, out, err = run(capsys, SHOP, "-t", target, "-o", str(tmp_path / str(i)), *extra)
        assert code == 0 and "note:" not in err, err
        outputs.append(files_of(tmp_path / str(i)))
        assert leaks(out + err.encode() + b"".join(outputs[-1].values())) == []
    assert outputs[0] == outputs[1] and outputs[0]


SPEC = """apiVersion: crossdock/v1
kind: App
metadata:
  name: env-app
secrets:
  token:
    from_env: APP_TOKEN_VALUE
services:
  web:
    image: nginx:1.27
    secrets:
      - {secret: token, env: TOKEN}
x-kubernetes:
  patches:
    - kind: Secret
      name: token
      patch: {metadata: {name: renamed-token}}
"""


def test_render_secrets_from_env_and_patched_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A from_env secret, renamed by an x-kubernetes patch: still left out, under its new name."""
    planted = "PLANTED-env-7c1e9a"
    monkeypatch.setenv("APP_TOKEN_VALUE", planted)
    (tmp_path / "app.yaml").write_text(SPEC)
    code, out, err = run(capsys, str(tmp_path / "app.yaml"), "-t", "all", "-o", "-", "-q")
    assert code == 0, err
    blob = out + err.encode()
    assert planted.encode() not in blob and base64.b64encode(planted.encode()) not in blob
    assert "kind: Secret" not in out.decode()
    assert [line for line in err.splitlines() if line.startswith("note:")] == [
        "note: secret renamed-token is not written to kubernetes/env-app.yaml (it holds a value): crossdock deploy "
        'creates it, or kubectl create secret generic renamed-token --from-literal=value="$APP_TOKEN_VALUE" '
        "-n <namespace> && kubectl label secret renamed-token app.kubernetes.io/managed-by=crossdock "
        "app.kubernetes.io/name=env-app app.kubernetes.io/part-of=env-app -n <namespace>; --include-secrets writes it"]
    code, out, err = run(capsys, str(tmp_path / "app.yaml"), "-t", "kubernetes", "-o", "-", "--include-secrets")
    assert code == 0 and base64.b64encode(planted.encode()) in out, err


def test_render_secrets_deploy_still_gets_the_values() -> None:
    """What `crossdock deploy`/`diff` translate (and the golden tests compare) keeps the Secret."""
    from crossdock.cli.platform_commands import _render
    spec, bundle = _render(SHOP, "kubernetes", None, (), ())
    expected = base64.b64encode((ROOT / "examples/shop/secrets/db-password.txt").read_bytes()).decode()
    secrets = [d for d in documents({p: t.encode() for p, t in bundle.files.items()}) if d["kind"] == "Secret"]
    assert [d["data"] for d in secrets] == [{"value": expected}]
    assert bundle.sensitive == {"kubernetes/shop.yaml"} and bundle.withheld == ()


def test_render_secrets_need_no_value(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable of a from_env secret unset: validate, explain and render (every target) pass;
    the Kubernetes Secret is left out with the command that creates it."""
    monkeypatch.delenv("APP_TOKEN_VALUE", raising=False)
    (tmp_path / "app.yaml").write_text(SPEC)
    spec = str(tmp_path / "app.yaml")
    assert main(["validate", spec]) == 0
    assert main(["explain", spec]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, spec, "-t", "all", "-o", str(tmp_path / "out"), "-q")
    assert code == 0, err
    written = files_of(tmp_path / "out")
    assert {p.split("/")[0] for p in written} == {"kubernetes", "swarm", "nomad"}
    assert "kind: Secret" not in written["kubernetes/env-app.yaml"].decode()
    [note] = [line for line in err.splitlines() if line.startswith("note:")]
    assert "kubectl create secret generic renamed-token --from-literal=value=\"$APP_TOKEN_VALUE\"" in note


def test_render_secrets_strict_fails_on_a_left_out_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_TOKEN_VALUE", raising=False)
    (tmp_path / "app.yaml").write_text(SPEC.split("x-kubernetes:")[0])
    code, out, err = run(capsys, str(tmp_path / "app.yaml"), "-t", "kubernetes", "-o", str(tmp_path / "out"),
                         "--strict")
    assert code == 3 and "1 Kubernetes Secret(s) left out" in err and "nothing was written" in err
    assert "note: secret token is not written" in err and not (tmp_path / "out").exists()


def test_render_secrets_include_without_value_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_TOKEN_VALUE", raising=False)
    (tmp_path / "app.yaml").write_text(SPEC)
    for flag in ("--include-secrets", "--with-secret-values"):
        code, out, err = run(capsys, str(tmp_path / "app.yaml"), "-t", "all", "-o", "-", flag)
        assert code == 2 and out == b"", err
        assert "app.yaml:7:15: secrets.token.from_env: environment variable APP_TOKEN_VALUE is not set" in err
        assert "Traceback" not in err
    code, _, err = run(capsys, str(tmp_path / "app.yaml"), "-t", "nomad", "-o", "-", "--include-secrets")
    assert code == 0, err  # the flag concerns the Kubernetes Secrets only


def test_render_secrets_help_names_include_secrets_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--include-secrets" in out and "--with-secret-values" not in out


def test_render_secrets_deploy_requires_the_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy and diff load the spec with every value: an unset variable is a spec error (exit 2)."""
    from crossdock.cli.platform_commands import _app_name, _render
    from crossdock.errors import SpecError
    monkeypatch.delenv("APP_TOKEN_VALUE", raising=False)
    (tmp_path / "app.yaml").write_text(SPEC)
    with pytest.raises(SpecError, match="environment variable APP_TOKEN_VALUE is not set"):
        _render(str(tmp_path / "app.yaml"), "kubernetes", None, (), ())
    assert _app_name(str(tmp_path / "app.yaml"), None, (), ()) == "env-app"  # status, destroy, logs need none
