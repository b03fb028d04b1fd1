"""HCL read by HashiCorp's own parser (``hcljson/``, built on github.com/hashicorp/hcl/v2).

``parse(texts)`` gives, for each text, the generic tree HCL makes of it: attribute values as
HCL evaluates them (escapes and ``$${``/``%%{`` resolved; an unescaped ``${`` fails, since
crossdock's output must carry no live interpolation) and blocks with their labels.  Tests map
that tree to Nomad's API form to show the HCL and JSON jobs are the same job.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkers import CheckFailed, gotool

_SOURCE = Path(__file__).with_name("hcljson")


def parse(texts: Sequence[str]) -> list[dict[str, Any]]:
    """Parse every text in one process call. Raises CheckFailed with HCL's diagnostics."""
    if not texts:
        return []
    exe = gotool.build(_SOURCE)
    with tempfile.TemporaryDirectory(prefix="crossdock-hcl-") as tmp:
        names = []
        for i, text in enumerate(texts):
            Path(tmp, f"{i}.hcl").write_text(text, encoding="utf-8")
            names.append(f"{i}.hcl")
        proc = subprocess.run([str(exe), *names], cwd=tmp, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode == 1:
        raise CheckFailed(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"hcljson exited {proc.returncode}: {proc.stderr.strip()}")
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def attribute(text: str) -> Any:
    """The value of the single attribute ``k`` in ``k = <literal>``: for filter tests."""
    return parse([text])[0]["attributes"]["k"]
