"""Build the small Go checkers kept in the tests (nomadcheck, hcljson) once per source hash.

Binaries are cached in ``~/.cache/crossdock/bin/<name>-<hash>``; the first build fetches the
modules pinned in the tool's go.sum through the Go module proxy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "crossdock" / "bin"


def _source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source.iterdir()):
        if path.suffix == ".go" or path.name in ("go.mod", "go.sum"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(source: Path) -> Path:
    """The binary for the Go program in ``source``, built if not cached.

    Raises RuntimeError when Go is missing or the build fails (with go's output).
    """
    target = CACHE / f"{source.name}-{_source_hash(source)}"
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise RuntimeError(f"the go command is not on PATH; {source.name} needs Go >= 1.26 to build")
    CACHE.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=readonly -buildvcs=false", CGO_ENABLED="0")
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    proc = subprocess.run([go, "build", "-trimpath", "-o", str(partial), "."], cwd=source,
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"building {source.name} failed:\n{proc.stdout}{proc.stderr}")
    partial.replace(target)  # atomic: concurrent test workers never run a half-written file
    return target
