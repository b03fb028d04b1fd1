"""The golden cases: tests/golden/<case>/ holds app.yaml (plus any files it reads), an optional
case.yaml (spec: another spec file, relative to the case, e.g. one of examples/; environ:
variables visible to the loader; env: the environment overlay to apply),
and expected/<target>/... with the files each translator must produce, plus
expected/warnings.txt with the portability report of all targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crossdock.specs.loader import LoadedSpec, load

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parent.parent / "examples"


def case_dirs() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "app.yaml").is_file() or (p / "case.yaml").is_file())


def case_options(case: Path) -> dict[str, Any]:
    opts = case / "case.yaml"
    return (yaml.safe_load(opts.read_text()) or {}) if opts.is_file() else {}


def load_case(case: Path) -> LoadedSpec:
    opts = case_options(case)
    environ = {str(k): str(v) for k, v in (opts.get("environ") or {}).items()}
    spec = (case / opts["spec"]).resolve() if "spec" in opts else case / "app.yaml"
    return load(str(spec), env=opts.get("env"), environ=environ)
