"""Confined reads in `crossdock import` (issue 19, item 2): a file an imported project names is
read only under the folders given on the command line, or an --allow-path folder.

A file the project needs to be understood (env_file:, include:, extends.file, .env) is refused
with exit 2 and the field's location; a file the import would only copy (a bind-mounted file, a
config's file:, a kustomization's resource) is left out with a loss line saying --allow-path
would read it, as docker compose and kubectl accept those projects.  The planted value stands
for a secret outside the project: it never reaches stdout, stderr or the written spec.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.cli.main import main
from crossdock.specs import files

PLANTED = "PLANTED-9f3c"
PACKAGE_PARENT = str(Path(files.__file__).parent.parent.parent)  # what puts `crossdock` on sys.path


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/shop/ (the project, as the current folder's child) and tmp/outside/ with planted files."""
    (tmp_path / "shop").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{PLANTED}\n")
    (outside / "secret.env").write_text(f"TOKEN={PLANTED}\n")
    (outside / "other.yaml").write_text(f"services:\n  leak:\n    image: nginx:1.27\n    environment: [T={PLANTED}]\n")
    (outside / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: leak}\nspec:\n  selector: {matchLabels: {a: b}}\n"
        "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n"
        f"        - name: leak\n          image: nginx:1.27\n          env: [{{name: T, value: {PLANTED}}}]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def compose(tree: Path, text: str) -> None:
    (tree / "shop" / "compose.yaml").write_text(text)


# (case, compose file, the field's location in it, its spec path)
REFUSED = [
    ("env_file", "services:\n  web:\n    image: nginx:1.27\n    env_file: ../outside/secret.env\n", "4:15",
     "services.web.env_file"),
    ("env_file list, not required", "services:\n  web:\n    image: nginx:1.27\n    env_file:\n"
     "      - path: ../outside/secret.env\n        required: false\n", "5:9", "services.web.env_file.0"),
    ("env_file absolute", "services:\n  web:\n    image: nginx:1.27\n    env_file: {tmp}/outside/secret.env\n",
     "4:15", "services.web.env_file"),
    ("include", "include:\n  - ../outside/other.yaml\nservices: {{}}\n", "2:5", "include[0]"),
    ("extends file", "services:\n  web:\n    extends:\n      service: leak\n      file: ../outside/other.yaml\n",
     "5:13", "services.web.extends.file"),
]


@pytest.mark.parametrize(("case", "text", "at", "field"), REFUSED, ids=[r[0] for r in REFUSED])
def test_import_compose_reference_outside_is_refused(capsys: pytest.CaptureFixture[str], tree: Path, case: str,
                                                     text: str, at: str, field: str) -> None:
    compose(tree, text.format(tmp=tree))
    code, out, err = run(capsys, "import", "shop/compose.yaml", "-o", "app.yaml")
    assert code == 2, err
    assert f"shop/compose.yaml:{at}: {field}: " in err and "is outside the folders being imported" in err
    assert "--allow-path DIR" in err and "Traceback" not in err
    assert PLANTED not in out + err and not (tree / "app.yaml").exists()


@pytest.mark.parametrize(("case", "text", "at", "field"), REFUSED, ids=[r[0] for r in REFUSED])
def test_import_compose_reference_outside_with_allow_path(capsys: pytest.CaptureFixture[str], tree: Path,
                                                          case: str, text: str, at: str, field: str) -> None:
    compose(tree, text.format(tmp=tree))
    code, _, err = run(capsys, "import", "shop/compose.yaml", "--allow-path", "outside", "-o", "app.yaml")
    assert code == 0, err


def test_import_compose_env_file_symlink_leaving_is_refused(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    os.symlink(tree / "outside" / "secret.env", tree / "shop" / "web.env")
    compose(tree, "services:\n  web:\n    image: nginx:1.27\n    env_file: web.env\n")
    code, out, err = run(capsys, "import", "shop/compose.yaml")
    assert code == 2 and "shop/compose.yaml:4:15: services.web.env_file: web.env is outside" in err, err
    assert PLANTED not in out + err


def test_import_compose_dotenv_symlink_leaving_is_refused(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    os.symlink(tree / "outside" / "secret.env", tree / "shop" / ".env")
    compose(tree, "services:\n  web:\n    image: nginx:${TOKEN}\n")
    code, out, err = run(capsys, "import", "shop/compose.yaml")
    assert code == 2 and "shop/.env" in err and "is outside the folders being imported" in err, err
    assert PLANTED not in out + err


LOST = [
    ("bind mount", "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ../outside/secret.txt:/etc/x.conf\n",
     "../outside/secret.txt", None),
    ("bind mount long syntax", "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - type: bind\n"
     "        source: ../outside/secret.txt\n        target: /etc/x.conf\n", "../outside/secret.txt", None),
    ("bind mount symlink leaving", "services:\n  web:\n    image: nginx:1.27\n    volumes:\n"
     "      - ./x.conf:/etc/x.conf\n", "./x.conf", "x.conf"),
    ("config file", "services:\n  web:\n    image: nginx:1.27\n    configs: [{source: c, target: /etc/x.conf}]\n"
     "configs:\n  c:\n    file: ../outside/secret.txt\n", "../outside/secret.txt", None),
]


@pytest.mark.parametrize(("case", "text", "named", "link"), LOST, ids=[r[0] for r in LOST])
def test_import_compose_copied_file_outside_is_a_loss(capsys: pytest.CaptureFixture[str], tree: Path, case: str,
                                                      text: str, named: str, link: str | None) -> None:
    if link is not None:
        os.symlink(tree / "outside" / "secret.txt", tree / "shop" / link)
    compose(tree, text)
    code, out, err = run(capsys, "import", "shop/compose.yaml", "-o", "app.yaml")
    assert code == 0, err
    [line] = [ln for ln in err.splitlines() if "outside the project's folder" in ln]
    assert line.startswith("  shop/compose.yaml:") and f"'{named}'" in line and "--allow-path DIR" in line
    assert PLANTED not in out + err and PLANTED not in (tree / "app.yaml").read_text()


@pytest.mark.parametrize(("case", "text", "named", "link"), LOST, ids=[r[0] for r in LOST])
def test_import_compose_copied_file_outside_with_allow_path(capsys: pytest.CaptureFixture[str], tree: Path,
                                                            case: str, text: str, named: str,
                                                            link: str | None) -> None:
    if link is not None:
        os.symlink(tree / "outside" / "secret.txt", tree / "shop" / link)
    compose(tree, text)
    code, _, err = run(capsys, "import", "shop/compose.yaml", "--allow-path", "outside", "-o", "app.yaml")
    assert code == 0 and "outside the project's folder" not in err, err


def test_import_compose_bind_mount_inside_is_still_copied(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    (tree / "shop" / "x.conf").write_text("listen 80\n")
    compose(tree, "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./x.conf:/etc/x.conf\n")
    code, out, err = run(capsys, "import", "shop/compose.yaml")
    assert code == 0 and "listen 80" in out, err


def test_import_compose_several_files_read_from_their_folders(capsys: pytest.CaptureFixture[str],
                                                              tree: Path) -> None:
    """A second -f file named on the command line is the user's choice, wherever it is."""
    compose(tree, "services:\n  web:\n    image: nginx:1.27\n")
    (tree / "outside" / "override.yaml").write_text("services:\n  web:\n    environment: [A=1]\n")
    code, _, err = run(capsys, "import", "shop/compose.yaml", "outside/override.yaml", "--from", "compose")
    assert code == 0, err


def test_import_kubernetes_kustomization_resource_outside_is_a_loss(capsys: pytest.CaptureFixture[str],
                                                                    tree: Path) -> None:
    (tree / "shop" / "kustomization.yaml").write_text("resources:\n  - web.yaml\n  - ../outside/deploy.yaml\n")
    (tree / "shop" / "web.yaml").write_text((tree / "outside" / "deploy.yaml").read_text()
                                            .replace("leak", "web").replace(PLANTED, "plain"))
    code, out, err = run(capsys, "import", "shop", "--from", "kubernetes")
    assert code == 0, err
    [line] = [ln for ln in err.splitlines() if "not read: outside the folders being imported" in ln]
    assert line.startswith("  shop/kustomization.yaml:3:5: ") and "resources[1]" in line and "--allow-path" in line
    assert PLANTED not in out + err
    code, out, err = run(capsys, "import", "shop", "--from", "kubernetes", "--allow-path", "outside")
    assert code == 0 and "leak" in out, err


def test_import_kubernetes_symlinked_manifest_leaving_is_refused(capsys: pytest.CaptureFixture[str],
                                                                 tree: Path) -> None:
    os.symlink(tree / "outside" / "deploy.yaml", tree / "shop" / "deploy.yaml")
    code, out, err = run(capsys, "import", "shop", "--from", "kubernetes")
    assert code == 2 and "shop/deploy.yaml" in err and "is outside the folders being imported" in err, err
    assert PLANTED not in out + err


def crossdock(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    return subprocess.run([sys.executable, "-m", "crossdock", *args], cwd=cwd, capture_output=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)  # a blocked FIFO would wait forever


@pytest.mark.parametrize(("source", "name"), [("compose", "compose.yaml"), ("kubernetes", "deploy.yaml"),
                                              ("nomad", "web.nomad.hcl"), ("compose", "web.env")])
def test_import_fifo_is_refused_without_blocking(tree: Path, source: str, name: str) -> None:
    shop = tree / "shop"
    if name == "web.env":  # a FIFO named by env_file:
        (shop / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n    env_file: fifo\n")
        os.mkfifo(shop / "fifo")
        argv = ["import", "compose.yaml"]
    else:
        os.mkfifo(shop / name)
        argv = ["import", name, "--from", source]
    done = crossdock(argv, shop)
    assert done.returncode == 2, done.stderr
    assert b"FIFO" in done.stderr and b"Traceback" not in done.stderr
