"""mypy --strict passes on the whole package (STYLE.md convention 8)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_typing_mypy_strict_on_package() -> None:
    # mypy needs the package under its import name; the repository root is the package.
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(ROOT, Path(tmp) / "crossdock")
        targets = [f"crossdock/{d}" for d in ("specs", "translators", "adapters", "cli")]
        targets += ["crossdock/errors.py", "crossdock/targets.py"]
        proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *targets],
                              cwd=tmp, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typing_toy_target_meets_the_protocols() -> None:
    """The test-only target (tests/fixtures/toy_target) is checked as a third party's would be:
    its factories return a Translator and an Adapter, so mypy holds its classes to the protocols."""
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(ROOT, Path(tmp) / "crossdock")
        env = {**os.environ, "MYPYPATH": str(ROOT / "tests" / "fixtures" / "toy_target")}
        proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "crossdock_toy"],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
