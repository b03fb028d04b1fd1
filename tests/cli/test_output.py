"""render -o DIR: every target folder is replaced, or none is, whichever move fails."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from crossdock.cli.main import main

SHOP = str(Path(__file__).parent.parent.parent / "examples" / "shop" / "app.yaml")
TARGETS = ("kubernetes", "swarm", "nomad")
MOVES = 2 * len(TARGETS)  # each old folder moved aside, each new one moved in
Fail = Callable[[int, Path, Path], bool]


def tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under root, hidden ones included: a file's bytes, None for a folder."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def subtree(snapshot: dict[str, bytes | None], folder: str) -> dict[str, bytes | None]:
    return {k[len(folder) + 1:]: v for k, v in snapshot.items() if k.startswith(folder + "/")}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding an earlier render of each target, plus a file of the user's."""
    root = tmp_path / "out"
    for target in TARGETS:
        (root / target / "deep").mkdir(parents=True)
        (root / target / "deep" / "old.txt").write_bytes(f"old {target}\n".encode())
        (root / target / "old.yaml").write_bytes(b"kept: \xc3\xa9\n")
        (root / target / ".crossdock-render").write_bytes(b"an earlier render's marker\n")
    (root / "README").write_bytes(b"not ours\n")
    return root


def fresh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes | None]:
    """What a render into an empty folder writes."""
    assert main(["render", SHOP, "-t", "all", "-q", "-o", str(tmp_path / "fresh")]) == 0
    capsys.readouterr()
    return tree(tmp_path / "fresh")


def render_failing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], out: Path,
                   fail: Fail) -> tuple[int, str, list[tuple[Path, Path]]]:
    """render -t all -o out with os.replace and os.rename failing where ``fail`` says."""
    real = os.replace
    moves: list[tuple[Path, Path]] = []

    def move(src: str | Path, dst: str | Path) -> None:
        moves.append((Path(src), Path(dst)))
        if fail(len(moves) - 1, Path(src), Path(dst)):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", move)
    monkeypatch.setattr(os, "rename", move)
    code = main(["render", SHOP, "-t", "all", "-q", "-o", str(out)])
    monkeypatch.undo()
    _, err = capsys.readouterr()
    return code, err, moves


def render_unrestorable(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], out: Path,
                        fail: Fail) -> tuple[str, str]:
    """render_failing where putting the old output back fails too: the staging folder's name and
    the part of the message that says what is where."""
    code, err, _ = render_failing(monkeypatch, capsys, out, fail)
    [staging] = [p.name for p in out.iterdir() if p.name.startswith(".crossdock-")]
    head = f"error: cannot write to {out}: No space left on device; putting the old output back failed too: "
    tail = "; everything else is as it was\n"
    assert code == 2 and err.startswith(head) and err.endswith(tail), err
    return staging, err[len(head):-len(tail)]


def test_output_replaces_every_target_folder(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                             out: Path, tmp_path: Path) -> None:
    new = fresh(tmp_path, capsys)
    code, err, moves = render_failing(monkeypatch, capsys, out, lambda n, src, dst: False)
    assert code == 0, err
    assert len(moves) == MOVES
    assert tree(out) == {**new, "README": b"not ours\n"}


@pytest.mark.parametrize("step", range(MOVES))
def test_output_failed_move_puts_every_old_folder_back(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str], out: Path,
                                                       step: int) -> None:
    before = tree(out)
    code, err, moves = render_failing(monkeypatch, capsys, out, lambda n, src, dst: n == step)
    assert code == 2
    assert err == (f"error: cannot write to {out}: No space left on device; "
                   "the old output was put back, nothing was replaced\n")
    assert tree(out) == before
    assert len(moves) == 2 * step + 1  # every move done before the failure was undone


def test_output_failed_move_removes_a_folder_that_was_not_there(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str],
                                                                out: Path) -> None:
    shutil.rmtree(out / "nomad")
    before = tree(out)
    code, err, _ = render_failing(monkeypatch, capsys, out, lambda n, src, dst: dst == out / "nomad")
    assert code == 2 and "nothing was replaced" in err
    assert tree(out) == before


def test_output_failed_restore_says_where_the_new_output_is(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str], out: Path,
                                                            tmp_path: Path) -> None:
    new, before = fresh(tmp_path, capsys), tree(out)

    def fail(n: int, src: Path, dst: Path) -> bool:  # nomad's move in, then swarm's move back out
        return (dst == out / "nomad") if n < MOVES else src == out / "swarm"

    staging, stuck = render_unrestorable(monkeypatch, capsys, out, fail)
    assert stuck == (f"{out}/swarm holds the new output (its old content is in {out}/{staging}/old/swarm; "
                     "No space left on device)")
    after = tree(out)
    assert subtree(after, "swarm") == subtree(new, "swarm")
    assert subtree(after, f"{staging}/old/swarm") == subtree(before, "swarm")
    assert sorted(k for k in after if k.startswith(staging) and k.count("/") <= 2) == \
        [staging, f"{staging}/old", f"{staging}/old/swarm"]  # the staged new folders are gone
    for folder in ("kubernetes", "nomad", "README"):
        assert subtree(after, folder) == subtree(before, folder) and after[folder] == before[folder]


def test_output_failed_restore_says_where_the_old_folder_is(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str], out: Path) -> None:
    before = tree(out)

    def fail(n: int, src: Path, dst: Path) -> bool:  # nomad's move in, then putting old nomad back
        return dst == out / "nomad"

    staging, stuck = render_unrestorable(monkeypatch, capsys, out, fail)
    assert stuck == f"{out}/nomad is missing, its old content is in {out}/{staging}/old/nomad (No space left on device)"
    after = tree(out)
    assert not (out / "nomad").exists()
    assert subtree(after, f"{staging}/old/nomad") == subtree(before, "nomad")
    assert {k: v for k, v in after.items() if not k.startswith(("nomad", staging))} == \
        {k: v for k, v in before.items() if not k.startswith("nomad")}


def test_output_failed_staging_touches_nothing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               out: Path) -> None:
    before, real = tree(out), Path.write_text

    def write_text(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.parent.name == "nomad":
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        return real(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)
    code = main(["render", SHOP, "-t", "all", "-q", "-o", str(out)])
    monkeypatch.undo()
    assert code == 2
    assert capsys.readouterr().err == f"error: cannot write to {out}: Disk quota exceeded; nothing was replaced\n"
    assert tree(out) == before
