"""What the `crossdock import` CLI tests share: running the command in-process, writing inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossdock.cli.main import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``crossdock *argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)
