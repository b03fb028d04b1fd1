"""Imports run one way: specs <- translators <- adapters <- cli (walked with ast)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from platforms_fixtures import unreachable_env

ROOT = Path(__file__).parent.parent
LAYERS = ["specs", "translators", "adapters", "cli"]
PLATFORM_CLIENTS = ("kubernetes", "docker", "nomad")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_import_only_lower_layers(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "crossdock" and len(parts) > 1 and parts[1] in LAYERS and parts[1] not in allowed:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_layers_specs_know_no_platform() -> None:
    bad = [f"{p.relative_to(ROOT)} imports {n}" for p in sorted((ROOT / "specs").rglob("*.py"))
           for n in _imports(p) if n.split(".")[0] in PLATFORM_CLIENTS]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("argv", [["--help"], ["render", "examples/shop/app.yaml", "-t", "all", "-o", "-"],
                                  ["validate", "examples/shop/app.yaml"], ["explain", "examples/shop/app.yaml"]])
def test_layers_cli_imports_no_platform_client(argv: list[str]) -> None:
    code = ("import sys, runpy\n"
            f"sys.argv = ['crossdock', *{argv!r}]\n"
            "from crossdock.cli.main import main\n"
            "rc = main(sys.argv[1:])\n"
            f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {PLATFORM_CLIENTS!r})\n"
            "print('LOADED', loaded, file=sys.stderr)\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stderr


SPEC_LAYERS = ("crossdock.specs", "crossdock.translators", "jinja2")


@pytest.mark.parametrize("target", ["swarm", "kubernetes", "nomad"])
@pytest.mark.parametrize("command", ["status", "destroy"])
def test_layers_commands_by_app_name_load_no_spec_model(target: str, command: str) -> None:
    """`status APP` and `destroy APP --yes` (by app name, no spec file) import neither the spec
    model nor the translators nor Jinja: a status is a few list calls, and its process should
    not pay ~0.2 s of pydantic models and templates first.  Every platform is unreachable here,
    so the command fails with exit code 1 after its imports; what counts is what it loaded."""
    argv = [command, "some-app", "--target", target] + (["--yes"] if command == "destroy" else [])
    code = ("import sys\n"
            "from crossdock.cli.main import main\n"
            f"rc = main({argv!r})\n"
            f"loaded = sorted(m for m in sys.modules if m.startswith({SPEC_LAYERS!r}))\n"
            "print('LOADED', loaded, file=sys.stderr)\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=unreachable_env())
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "LOADED []" in proc.stderr, proc.stderr
