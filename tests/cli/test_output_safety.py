"""Output safety (issue 19, item 6): `render -o DIR` never replaces a folder holding its inputs,
never writes into / or the home folder, and asks before replacing a folder it did not create;
`import -o` never writes over an input or something that is not a regular file."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest

from crossdock.cli import output
from crossdock.cli.main import main

PLANTED = "PLANTED-9f3c"
SPEC = """apiVersion: crossdock/v1
kind: App
metadata:
  name: shop
secrets:
  token:
    from_file: secrets/token.txt
services:
  web:
    image: nginx:1.27
    secrets:
      - {secret: token, env: TOKEN}
    files:
      - path: /etc/web.conf
        file: config/web.conf
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under root, hidden ones included: a file's bytes, None for a folder."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository keeping its spec in nomad/ (with secrets/ and config/), as the current folder."""
    (tmp_path / "nomad" / "secrets").mkdir(parents=True)
    (tmp_path / "nomad" / "config").mkdir()
    (tmp_path / "nomad" / "app.yaml").write_text(SPEC)
    (tmp_path / "nomad" / "secrets" / "token.txt").write_text(f"{PLANTED}\n")
    (tmp_path / "nomad" / "config" / "web.conf").write_text("listen 80\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(output, "_interactive", lambda: False)  # as in CI, whatever runs the tests
    return tmp_path


@pytest.mark.parametrize(("argv", "folder"), [
    (["-t", "all", "-o", "."], "./nomad"),
    (["-t", "nomad", "-o", "."], "./nomad"),
    (["-t", "nomad", "-o", "./"], "./nomad"),
    (["-t", "swarm", "-o", "nomad/config/.."], "nomad/config/../swarm"),  # no input in nomad/swarm: allowed
])
def test_render_output_holding_the_inputs_is_refused(capsys: pytest.CaptureFixture[str], repo: Path,
                                                     argv: list[str], folder: str) -> None:
    before = snapshot(repo)
    code, out, err = run(capsys, "render", "nomad/app.yaml", *argv)
    if folder.endswith("swarm"):
        assert code == 0, err
        return
    assert code == 2, err
    assert f"-o {argv[-1]}: {folder} would be replaced whole, and it holds {repo / 'nomad'}" in err
    assert "nothing was written" in err and "Traceback" not in err
    assert snapshot(repo) == before  # every input byte-identical, and nothing else written
    assert PLANTED not in out + err


def test_render_output_holding_an_input_through_a_symlinked_folder(capsys: pytest.CaptureFixture[str],
                                                                   repo: Path) -> None:
    os.symlink(repo, repo / "here")  # -o here: here/nomad is the spec's folder
    before = snapshot(repo / "nomad")
    code, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "nomad", "-o", "here")
    assert code == 2 and "would be replaced whole" in err, err
    assert snapshot(repo / "nomad") == before


@pytest.mark.parametrize("where", ["/", "home", "home-via-dotdot"])
def test_render_output_root_and_home_are_refused(capsys: pytest.CaptureFixture[str], repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    home = repo / "home"
    (home / "sub").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    target = {"/": "/", "home": str(home), "home-via-dotdot": str(home / "sub" / "..")}[where]
    code, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "swarm", "-o", target, "--force")
    assert code == 2, err
    assert f"-o {target}: is {'the root folder' if where == '/' else 'your home folder'}" in err
    assert not (home / "swarm").exists() and not os.path.exists("/swarm")


def test_render_foreign_folder_is_refused_without_force(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    mine = repo / "out" / "swarm"
    mine.mkdir(parents=True)
    for i in range(output.LISTED + 5):
        (mine / f"notes-{i:02d}.txt").write_text("mine\n")
    before = snapshot(repo / "out")
    code, out, err = run(capsys, "render", "nomad/app.yaml", "-t", "all", "-o", "out")
    assert code == 2, err
    assert "out/swarm/ (25 file(s))" in err and "notes-00.txt" in err and "notes-19.txt" in err
    assert "notes-20.txt" not in err and "... and 5 more file(s)" in err
    assert "--force" in err and "nothing was written" in err
    assert snapshot(repo / "out") == before and PLANTED not in out + err


def test_render_foreign_folder_is_replaced_with_force(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    (repo / "out" / "swarm").mkdir(parents=True)
    (repo / "out" / "swarm" / "notes.txt").write_text("mine\n")
    code, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "swarm", "-o", "out", "--force")
    assert code == 0, err
    assert not (repo / "out" / "swarm" / "notes.txt").exists() and (repo / "out" / "swarm" / "shop.stack.yml").is_file()


def test_render_a_file_where_a_target_folder_goes_is_foreign(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    (repo / "out").mkdir()
    (repo / "out" / "swarm").write_text("a file of the user's\n")
    code, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "swarm", "-o", "out")
    assert code == 2 and "out/swarm (not a folder)" in err, err
    assert (repo / "out" / "swarm").read_text() == "a file of the user's\n"


def test_render_again_into_its_own_folder_needs_no_force(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert run(capsys, "render", "nomad/app.yaml", "-t", "all", "-o", "out")[0] == 0
    for target in ("kubernetes", "swarm", "nomad"):
        assert (repo / "out" / target / output.MARKER).is_file()
    (repo / "out" / "swarm" / "stale.yml").write_text("old\n")
    code, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "all", "-o", "out")
    assert code == 0, err
    assert not (repo / "out" / "swarm" / "stale.yml").exists()


def test_render_marker_is_not_a_manifest(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """kubectl apply -f DIR reads *.json, *.yaml and *.yml: the marker must not end so."""
    assert run(capsys, "render", "nomad/app.yaml", "-t", "kubernetes", "-o", "out")[0] == 0
    assert not output.MARKER.endswith((".json", ".yaml", ".yml", ".hcl", ".nomad"))
    assert "crossdock render" in (repo / "out" / "kubernetes" / output.MARKER).read_text()


@pytest.mark.parametrize(("answer", "code"), [(True, 0), (False, 2)])
def test_render_foreign_folder_asks_on_a_terminal(capsys: pytest.CaptureFixture[str], repo: Path,
                                                  monkeypatch: pytest.MonkeyPatch, answer: bool, code: int) -> None:
    (repo / "out" / "nomad").mkdir(parents=True)
    (repo / "out" / "nomad" / "job.hcl").write_text("mine\n")
    asked: list[tuple[str, object]] = []

    def confirm(text: str, default: object = None, **_: object) -> bool:
        asked.append((text, default))
        return answer

    monkeypatch.setattr(output, "_interactive", lambda: True)
    monkeypatch.setattr(click, "confirm", confirm)
    got, _, err = run(capsys, "render", "nomad/app.yaml", "-t", "nomad", "-o", "out")
    assert got == code, err
    assert len(asked) == 1 and "out/nomad/ (1 file(s))" in asked[0][0] and asked[0][1] is False
    assert (repo / "out" / "nomad" / "job.hcl").exists() is (not answer)


def test_render_strict_failure_writes_nothing_even_with_force(capsys: pytest.CaptureFixture[str],
                                                              repo: Path) -> None:
    (repo / "out" / "swarm").mkdir(parents=True)
    (repo / "out" / "swarm" / "notes.txt").write_text("mine\n")
    code, _, _ = run(capsys, "render", "nomad/app.yaml", "-t", "swarm", "-o", "out", "--force", "--strict")
    assert code == 3 and (repo / "out" / "swarm" / "notes.txt").exists()


# ---- import -o ----------------------------------------------------------------------------------

COMPOSE = "services:\n  web:\n    image: nginx:1.27\n"


@pytest.mark.parametrize("output_name", ["compose.yaml", "./compose.yaml", "link.yaml"])
def test_import_output_over_an_input_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, output_name: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    os.symlink("compose.yaml", tmp_path / "link.yaml")
    code, out, err = run(capsys, "import", "compose.yaml", "-o", output_name)
    assert code == 2 and f"-o {output_name}: is one of the files being imported" in err, err
    assert (tmp_path / "compose.yaml").read_text() == COMPOSE and out == ""


@pytest.mark.parametrize(("case", "expected"), [("/", "is a folder"), ("fifo", "is not a regular file"),
                                                ("folder", "is a folder")])
def test_import_output_not_a_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, case: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    code, _, err = run(capsys, "import", "compose.yaml", "-o", case)
    assert code == 2 and expected in err, err
    assert (tmp_path / "fifo").exists() and not (tmp_path / "fifo").is_file()


def test_import_output_elsewhere_is_written(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    code, _, err = run(capsys, "import", "compose.yaml", "-o", "app.yaml")
    assert code == 0, err
    assert "nginx:1.27" in (tmp_path / "app.yaml").read_text()
