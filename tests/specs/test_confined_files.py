"""Confined file access (issue 19, item 2): what a spec names is read only under its folder or an
--allow-path folder, only as a regular file, with a size cap; standard input has the spec's cap.

The planted value stands for a secret outside the spec's folder: it must never reach stdout,
stderr or an output file when the read is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.cli.main import main
from crossdock.errors import Location
from crossdock.errors import shown as errors_shown
from crossdock.specs import files
from crossdock.specs.loader import load

PLANTED = "PLANTED-9f3c"
PACKAGE_PARENT = str(Path(files.__file__).parent.parent.parent)  # what puts `crossdock` on sys.path
SPEC = """apiVersion: crossdock/v1
kind: App
metadata:
  name: shop
secrets:
  token:
    from_file: {secret}
services:
  web:
    image: nginx:1.27
    secrets:
      - {{secret: token, env: TOKEN}}
    files:
      - path: /etc/web.conf
        file: {config}
"""
# Lines and columns of the two path values in SPEC (1-based, as editors count).
FROM_FILE_AT = "7:16"
FILE_AT = "15:15"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/app/ (the spec's folder, with conf/web.conf and secrets/token.txt) and
    tmp/outside/secret.txt holding the planted value."""
    app = tmp_path / "app"
    (app / "conf").mkdir(parents=True)
    (app / "secrets").mkdir()
    (app / "conf" / "web.conf").write_text("listen 80\n")
    (app / "secrets" / "token.txt").write_text("inside-token\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(f"{PLANTED}\n")
    return tmp_path


def spec(tree: Path, secret: str = "secrets/token.txt", config: str = "conf/web.conf") -> Path:
    path = tree / "app" / "app.yaml"
    path.write_text(SPEC.format(secret=secret, config=config))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def everything_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()) if folder.exists() else b""


# ---- read_confined ---------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "written", "link", "expected"), [
    ("relative inside", "conf/web.conf", None, "listen 80\n"),
    ("dot segments staying inside", "conf/../conf/./web.conf", None, "listen 80\n"),
    ("absolute inside", "{app}/conf/web.conf", None, "listen 80\n"),
    ("symlink inside to inside", "conf/link.conf", ("conf/link.conf", "{app}/conf/web.conf"), "listen 80\n"),
    ("dot-dot escaping", "../outside/secret.txt", None, "outside"),
    ("absolute outside", "{tmp}/outside/secret.txt", None, "outside"),
    ("symlink leaving", "conf/link.conf", ("conf/link.conf", "{tmp}/outside/secret.txt"), "resolves to"),
    ("symlinked folder leaving", "escape/secret.txt", ("escape", "{tmp}/outside"), "resolves to"),
    ("proc environ", "/proc/self/environ", None, "outside"),
    ("device", "/dev/zero", None, "outside"),
    ("folder", "conf", None, "is a folder, not a regular file"),
    ("missing", "conf/nope.conf", None, "No such file"),
])
def test_read_confined_cases(tree: Path, case: str, written: str, link: tuple[str, str] | None,
                             expected: str) -> None:
    app = tree / "app"
    fill = {"app": str(app), "tmp": str(tree)}
    written = written.format(**fill)
    if link is not None:
        os.symlink(link[1].format(**fill), app / link[0])
    where = Location("app.yaml", 3, 7)
    confinement = files.Confinement.of(str(app))
    if expected == "listen 80\n":
        real, raw = files.read_confined(written, confinement=confinement, limit=100, where=where)
        assert raw.decode() == expected and real == str((app / "conf" / "web.conf").resolve())
        return
    with pytest.raises(files.FileRefused) as e:
        files.read_confined(written, confinement=confinement, limit=100, where=where, field="x.file")
    message = str(e.value)
    assert message.startswith("app.yaml:3:7: x.file: ") and expected in message, message
    assert e.value.exit_code == 2 and PLANTED not in message
    if expected in ("outside", "resolves to"):
        assert "--allow-path DIR" in message and written in message


def test_read_confined_allowed_folder_makes_outside_readable(tree: Path) -> None:
    confinement = files.Confinement.of(str(tree / "app"), [str(tree / "outside")])
    _, raw = files.read_confined("../outside/secret.txt", confinement=confinement, limit=100, where=None)
    assert raw == f"{PLANTED}\n".encode()


def test_read_confined_allowed_folder_still_refuses_a_device(tree: Path) -> None:
    confinement = files.Confinement.of(str(tree / "app"), ["/dev"])
    with pytest.raises(files.FileRefused, match="is a character device, not a regular file"):
        files.read_confined("/dev/zero", confinement=confinement, limit=100, where=None)


@pytest.mark.parametrize(("size", "refused"), [(100, False), (101, True)])
def test_read_confined_size_cap(tree: Path, size: int, refused: bool) -> None:
    (tree / "app" / "big").write_bytes(b"x" * size)
    confinement = files.Confinement.of(str(tree / "app"))
    if not refused:
        assert len(files.read_confined("big", confinement=confinement, limit=100, where=None)[1]) == size
        return
    with pytest.raises(files.FileRefused, match="larger than 0 KiB|larger than"):
        files.read_confined("big", confinement=confinement, limit=100, where=None)


def test_shown_escapes_control_characters() -> None:
    assert errors_shown("a\nb\x1b[31m") == "a\\nb\\x1b[31m"


# ---- through the loader and the CLI ----------------------------------------------------------

# validate, render and explain need no secret value (issue 20): a from_file outside the folder is
# not read, and only commands that write the value (render --include-secrets, deploy) refuse it.
@pytest.mark.parametrize(("field", "secret", "config", "at", "command"), [
    ("secrets.token.from_file", "../outside/secret.txt", "conf/web.conf", FROM_FILE_AT, "render --include-secrets"),
    ("services.web.files[0].file", "secrets/token.txt", "../outside/secret.txt", FILE_AT, "validate"),
    ("services.web.files[0].file", "secrets/token.txt", "../outside/secret.txt", FILE_AT, "render"),
    ("services.web.files[0].file", "secrets/token.txt", "../outside/secret.txt", FILE_AT, "explain"),
    ("secrets.token.from_file", "{tmp}/outside/secret.txt", "conf/web.conf", FROM_FILE_AT, "render --include-secrets"),
    ("services.web.files[0].file", "secrets/token.txt", "/proc/self/environ", FILE_AT, "validate"),
    ("services.web.files[0].file", "secrets/token.txt", "/proc/self/environ", FILE_AT, "render"),
    ("services.web.files[0].file", "secrets/token.txt", "/proc/self/environ", FILE_AT, "explain"),
])
def test_cli_spec_path_outside_is_refused(capsys: pytest.CaptureFixture[str], tree: Path, command: str,
                                          field: str, secret: str, config: str, at: str) -> None:
    path = spec(tree, secret.format(tmp=tree), config)
    out_dir = tree / "out"
    name, *flags = command.split()
    extra = ["-t", "all", "-o", str(out_dir), *flags] if name == "render" else []
    code, out, err = run(capsys, name, str(path), *extra)
    assert code == 2, err
    assert f"{path}:{at}: {field}: " in err and "is outside the spec's folder" in err and "--allow-path" in err
    assert PLANTED not in out + err and PLANTED.encode() not in everything_under(out_dir)
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("secret", ["../outside/secret.txt", "{tmp}/outside/secret.txt", "secrets/missing.txt"])
@pytest.mark.parametrize("command", ["validate", "render", "explain"])
def test_cli_secret_file_outside_is_not_read_without_values(capsys: pytest.CaptureFixture[str], tree: Path,
                                                            command: str, secret: str) -> None:
    path = spec(tree, secret.format(tmp=tree))
    out_dir = tree / "out"
    extra = ["-t", "all", "-o", str(out_dir)] if command == "render" else []
    code, out, err = run(capsys, command, str(path), *extra)
    assert code == 0, err
    assert PLANTED not in out + err and PLANTED.encode() not in everything_under(out_dir)
    if command == "validate":
        assert "note: secrets.token: no value here (its file" in err and "deploy does" in err


def test_cli_allow_path_makes_the_outside_file_readable(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    path = spec(tree, "secrets/token.txt", "../outside/secret.txt")
    code, _, err = run(capsys, "render", str(path), "-t", "swarm", "-o", str(tree / "out"),
                       "--allow-path", str(tree / "outside"))
    assert code == 0, err
    assert PLANTED.encode() in everything_under(tree / "out")  # the user allowed it: the config carries it


def test_cli_allow_path_must_be_a_folder(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    code, _, err = run(capsys, "validate", str(spec(tree)), "--allow-path", str(tree / "outside" / "secret.txt"))
    assert code == 2 and "--allow-path" in err


def test_load_read_files_lists_what_was_read(tree: Path) -> None:
    overlay = tree / "prod.yaml"  # named on the command line: read where it is
    overlay.write_text("metadata: {labels: {tier: prod}}\n")
    os.symlink(tree / "app" / "conf" / "web.conf", tree / "app" / "web-link.conf")
    loaded = load(str(spec(tree, config="web-link.conf")), overlays=[str(overlay)], environ={})
    app = (tree / "app").resolve()
    assert set(loaded.read_files) == {str(app / "app.yaml"), str(overlay.resolve()),
                                      str(app / "secrets" / "token.txt"), str(app / "conf" / "web.conf")}


def test_load_symlinked_spec_reads_beside_its_target(tree: Path) -> None:
    os.symlink(spec(tree), tree / "linked.yaml")  # the base is the folder of the file linked to
    loaded = load(str(tree / "linked.yaml"), environ={})
    assert loaded.secret_values["token"].reveal() == "inside-token\n"


@pytest.mark.parametrize("command", ["validate", "render", "explain", "deploy", "diff", "status", "destroy", "logs",
                                     "import"])
def test_cli_allow_path_is_an_option_of(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "--allow-path DIR" in out


def test_load_allowed_keyword(tree: Path) -> None:
    path = spec(tree, "../outside/secret.txt")
    loaded = load(str(path), environ={}, allowed=[str(tree / "outside")])
    assert loaded.secret_values["token"].reveal() == f"{PLANTED}\n"


# ---- FIFOs and standard input, in a child process: a blocked open must not hang the suite ----

def crossdock(args: list[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    return subprocess.run([sys.executable, "-m", "crossdock", *args], cwd=cwd, input=stdin, capture_output=True,
                          env=env, timeout=60)  # a blocked FIFO would wait forever; 60 s is a generous bound


@pytest.mark.parametrize(("case", "argv", "secret", "config", "expected"), [
    ("the spec", ["validate", "fifo"], "secrets/token.txt", "conf/web.conf", "fifo: the file is a FIFO"),
    ("an overlay", ["validate", "app.yaml", "--overlay", "fifo"], "secrets/token.txt", "conf/web.conf",
     "fifo: the file is a FIFO"),
    ("a from_file", ["validate", "app.yaml"], "fifo", "conf/web.conf",
     f"app.yaml:{FROM_FILE_AT}: secrets.token.from_file: fifo is a FIFO"),
    ("a file", ["render", "app.yaml", "-t", "nomad"], "secrets/token.txt", "fifo",
     f"app.yaml:{FILE_AT}: services.web.files[0].file: fifo is a FIFO"),
])
def test_cli_fifo_is_refused_without_blocking(tree: Path, case: str, argv: list[str], secret: str, config: str,
                                             expected: str) -> None:
    spec(tree, secret, config)
    os.mkfifo(tree / "app" / "fifo")
    done = crossdock(argv, tree / "app")
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert expected in err and "not a regular file" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["validate", "-"], ["render", "-", "-t", "swarm"]])
def test_cli_stdin_over_the_cap_is_refused(tree: Path, command: list[str]) -> None:
    text = SPEC.format(secret="secrets/token.txt", config="conf/web.conf").encode()
    big = text + b"#" * (files.MAX_SPEC_BYTES + 1 - len(text))  # one byte past 4 MiB
    done = crossdock(command, tree / "app", stdin=big)
    assert done.returncode == 2 and b"standard input is larger than 4 MiB" in done.stderr, done.stderr
    assert done.stdout == b""


def test_cli_stdin_at_the_cap_is_read(tree: Path) -> None:
    text = SPEC.format(secret="secrets/token.txt", config="conf/web.conf").encode()
    exact = text + b"#" * (files.MAX_SPEC_BYTES - len(text))
    done = crossdock(["validate", "-"], tree / "app", stdin=exact)  # base folder: the current one
    assert done.returncode == 0, done.stderr


def test_cli_stdin_spec_is_confined_to_the_current_folder(tree: Path) -> None:
    text = SPEC.format(secret="../outside/secret.txt", config="conf/web.conf").encode()
    done = crossdock(["render", "-", "-t", "kubernetes", "--include-secrets"], tree / "app", stdin=text)
    assert done.returncode == 2 and b"is outside the spec's folder" in done.stderr
    assert PLANTED.encode() not in done.stdout + done.stderr
