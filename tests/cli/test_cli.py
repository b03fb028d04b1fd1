"""The crossdock command: exit codes, outputs, and nothing half-written."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crossdock import __version__
from crossdock.cli.main import main
from platforms_fixtures import unreachable_env  # tests/ is on the path (conftest)

ROOT = Path(__file__).parent.parent.parent
SHOP = str(ROOT / "examples" / "shop" / "app.yaml")
MINIMAL = str(ROOT / "tests" / "golden" / "minimal" / "app.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_cli_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", SHOP)
    assert code == 0
    assert "valid (shop: 3 services, 1 jobs, 1 cron jobs; environments checked: local, production)" in out


def test_cli_validate_checks_every_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\nservices:\n  web: {image: x}\n"
                    "environments:\n  production:\n    services:\n      web: {replicas: lots}\n")
    code, out, err = run(capsys, "validate", str(spec))
    assert code == 2 and out == ""
    assert "app.yaml:9:23: services.web.replicas: expected an integer 0-10000, got 'lots' [with --env production]" in err


def test_cli_validate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and out == ""
    assert "nope.yaml: cannot read the file" in err and "Traceback" not in err


@pytest.mark.parametrize("bad", ["NOVALUE", "=x"])
def test_cli_set_needs_name_and_value(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    code, _, err = run(capsys, "validate", SHOP, "--set", bad)
    assert code == 2 and "expected NAME=VALUE" in err


def test_cli_unknown_target_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "render", SHOP, "-t", "mesos")
    assert code == 2 and "mesos" in err


def test_cli_render_all_to_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "render", SHOP, "-t", "all", "-o", str(tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kubernetes", "nomad", "swarm"]
    assert (tmp_path / "kubernetes" / "shop.yaml").is_file()
    assert (tmp_path / "swarm" / "shop.stack.yml").is_file()
    assert list((tmp_path / "nomad").glob("*.nomad.hcl")) and list((tmp_path / "nomad").glob("*.nomad.json"))
    assert "Portability report:" in err and "swarm: cron_jobs.nightly-report" in err


def test_cli_render_replaces_target_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stale = tmp_path / "kubernetes" / "stale.yaml"
    stale.parent.mkdir()
    stale.write_text("old")
    (stale.parent / ".crossdock-render").write_text("an earlier render's marker\n")
    assert run(capsys, "render", MINIMAL, "-t", "kubernetes", "-o", str(tmp_path))[0] == 0
    assert not stale.exists() and (tmp_path / "kubernetes" / "hello.yaml").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_render_strict_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "render", SHOP, "-t", "all", "-o", str(tmp_path / "out"), "--strict")
    assert code == 3 and "nothing was written" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_render_strict_passes_when_native(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "render", MINIMAL, "-t", "kubernetes", "--strict")
    assert code == 0
    kinds = [d["kind"] for d in yaml.safe_load_all(out) if d]
    assert "Deployment" in kinds


def test_cli_render_stdout_single_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "render", SHOP, "-t", "swarm", "-q")
    assert code == 0
    assert "# ==> swarm/shop.stack.yml <==" in out


def test_cli_render_kubernetes_directory_layout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "render", SHOP, "-t", "kubernetes", "--layout", "directory", "-o", str(tmp_path))
    assert code == 0, err
    kust = yaml.safe_load((tmp_path / "kubernetes" / "kustomization.yaml").read_text())
    files = sorted(p.name for p in (tmp_path / "kubernetes").iterdir()
                   if p.name not in ("kustomization.yaml", ".crossdock-render"))
    assert sorted(kust["resources"]) == files


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_cli_explain_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "explain", SHOP, "-o", fmt)
    assert code == 0
    if fmt == "json":
        rows = json.loads(out)["rows"]
        cron = [r for r in rows if r["path"].startswith("cron_jobs.nightly-report") and r["feature"] == "cron_jobs"]
        assert cron and cron[0]["swarm"]["level"] == "unsupported" and cron[0]["kubernetes"]["level"] == "native"
    else:
        assert "kubernetes" in out and "swarm" in out and "nomad" in out and "not supported" in out


def test_cli_explain_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "explain", SHOP, "--strict")[0] == 3


def test_cli_schema_prints_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert out == (ROOT / "specs" / "crossdock.schema.json").read_text(encoding="utf-8")


def test_cli_schema_matrix_matches_readme(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "--matrix")
    assert code == 0
    assert out in (ROOT / "README.md").read_text(encoding="utf-8"), "README support matrix is stale"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_cli_completion(capsys: pytest.CaptureFixture[str], shell: str) -> None:
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0 and "_CROSSDOCK_COMPLETE" in out


def test_cli_spec_from_stdin() -> None:
    proc = subprocess.run([sys.executable, "-m", "crossdock", "validate", "-"], input=Path(MINIMAL).read_bytes(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_cli_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("render", "validate", "explain"):
        code, out, _ = run(capsys, cmd, "--help")
        assert code == 0 and "Example" in out and "Exit codes" in out


# As the `crossdock` command runs: main() takes the process's own arguments.
INTERNAL_ERROR = ("import crossdock.specs.loader as loader\n"
                  "def broken_load(*args, **kwargs):\n"
                  "    raise RuntimeError('injected')\n"
                  "loader.load = broken_load\n"
                  "import sys\n"
                  "from crossdock.cli.main import main\n"
                  "sys.exit(main())\n")


@pytest.mark.parametrize("debug", ["1", "", "0"])
def test_cli_internal_error_traceback_only_with_debug(debug: str) -> None:
    env = {**os.environ, "CROSSDOCK_DEBUG": debug}
    proc = subprocess.run([sys.executable, "-c", INTERNAL_ERROR, "validate", MINIMAL], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    if debug == "1":
        lines = proc.stderr.splitlines()
        assert lines[0] == "Traceback (most recent call last):" and lines[-1] == "RuntimeError: injected"
        assert "in broken_load" in proc.stderr and "in validate" in proc.stderr
    else:
        assert proc.stderr == ("internal error: RuntimeError (this is a bug in crossdock; "
                               "set CROSSDOCK_DEBUG=1 to see where)\n")


_SPY = """
import importlib.metadata, sys
real = importlib.metadata.entry_points
def spy(*args, **kwargs):
    if kwargs.get("group") == "pydantic":
        print("pydantic plugins searched", flush=True)
    return real(*args, **kwargs)
importlib.metadata.entry_points = spy
sys.argv = ["crossdock", "validate", "examples/shop/app.yaml"]
from crossdock.cli.main import main
main()
"""


@pytest.mark.parametrize("setting, searched", [(None, False), ("", True)])
def test_cli_command_skips_pydantic_plugin_search(setting: str | None, searched: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting  # the user's own setting wins
    root = Path(__file__).parent.parent.parent
    proc = subprocess.run([sys.executable, "-c", _SPY], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert ("pydantic plugins searched" in proc.stdout) is searched, proc.stdout


