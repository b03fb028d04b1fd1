"""`crossdock import` on Nomad jobs: exit codes, the spec on stdout, the loss report on stderr,
clear one-line errors for broken and hostile input, and no secret value anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli_helpers import FIXTURES, run, write

MARKER = "MARKER-do-not-leak"
WEB = 'job "web" {{\n  group "web" {{\n    task "web" {{\n      driver = "{driver}"\n      config {{\n' \
      '        image = "nginx:1.27"\n      }}\n{extra}    }}\n  }}\n}}\n'


@pytest.mark.parametrize("fixture", ["nomad-hashicups", "nomad-periodic", "nomad-lifecycle"])
def test_nomad_import_cli_fixture_auto_detected(capsys: pytest.CaptureFixture[str], fixture: str) -> None:
    code, out, err = run(capsys, "import", str(FIXTURES / fixture))
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert spec["apiVersion"] == "crossdock/v1" and (spec.get("services") or spec.get("cron_jobs"))
    assert "Loss report" in err and "Traceback" not in err
    assert MARKER not in out and MARKER not in err


def test_nomad_import_cli_strict_fails_with_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "app.yaml"
    code, out, err = run(capsys, "import", "--strict", "-o", str(out_file), str(FIXTURES / "nomad-lifecycle"))
    assert code == 3 and out == "" and not out_file.exists()
    assert "web.nomad.json:95:0: job.webapp.group.web.task.cleanup: lifecycle" in err


def test_nomad_import_cli_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write(tmp_path, "web.nomad.hcl", WEB.format(driver="docker", extra=""))
    code, _, err = run(capsys, "import", src, "-o", str(tmp_path / "app.yaml"), "--name", "site")
    assert code == 0, err
    spec = yaml.safe_load((tmp_path / "app.yaml").read_text())
    assert spec["metadata"] == {"name": "site"} and spec["services"]["web"]["image"] == "nginx:1.27"


def test_nomad_import_cli_non_docker_driver(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write(tmp_path, "web.nomad", WEB.format(driver="raw_exec", extra=""))
    code, out, err = run(capsys, "import", "--from", "nomad", src)
    assert code == 0
    assert f"{src}:3:0: job.web.group.web.task.web: driver: driver 'raw_exec' does not run an image" in err
    assert "services" not in yaml.safe_load(out)
    assert run(capsys, "import", "--from", "nomad", "--strict", src)[0] == 3


def test_nomad_import_cli_secret_in_plain_env(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    extra = f'      env {{\n        ADMIN_PASSWORD = "{MARKER}"\n      }}\n'
    src = write(tmp_path, "web.nomad", WEB.format(driver="docker", extra=extra))
    code, out, err = run(capsys, "import", src)
    assert code == 0
    spec = yaml.safe_load(out)
    assert spec["secrets"] == {"admin-password": {"from_env": "ADMIN_PASSWORD"}}
    assert spec["services"]["web"]["secrets"] == [{"secret": "admin-password", "env": "ADMIN_PASSWORD"}]
    assert MARKER not in out and MARKER not in err
    assert "web.nomad:9:0: job.web.group.web.task.web.env.ADMIN_PASSWORD: changed:" in err


@pytest.mark.parametrize("name, text, expected", [
    ("bad.nomad", 'job "x" {\n  group "g" {\n    count = \n  }\n}\n', "bad.nomad:3:"),
    ("bad.nomad.hcl", f'job "x" {{\n  meta {{\n    token = "{MARKER}\n  }}\n}}\n', "bad.nomad.hcl:3:"),
    ("bad.json", '{"Job": {"ID": "x", "TaskGroups": [,]}}', "bad.json:1:36: not valid JSON"),
    ("big.nomad", 'job "x" {\n' + "  # comment line\n" * 80_000 + "}\n", "over 1 MiB"),
    ("huge.json", '{"Job": {"ID": "x", "Meta": {"a": "' + "x" * (5 * 2**20) + '"}}}', "larger than 4 MiB"),
])
def test_nomad_import_cli_bad_input_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str,
                                           text: str, expected: str) -> None:
    src = write(tmp_path, name, text)
    code, out, err = run(capsys, "import", "--from", "nomad", src)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err and MARKER not in err
    assert len(err.strip().splitlines()) == 1  # one clear message


def test_nomad_import_cli_rendered_folder_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "render", str(Path(__file__).parents[2] / "examples" / "shop" / "app.yaml"),
                       "-t", "nomad", "-o", str(tmp_path / "out"))
    assert code == 0, err
    folder = next(p for p in (tmp_path / "out").rglob("*.nomad.json")).parent
    code, out, err = run(capsys, "import", str(folder))
    assert code == 0, err
    spec = yaml.safe_load(out)
    assert sorted(spec["services"]) == ["api", "cache", "web"]
    assert sorted(spec["jobs"]) == ["migrate"] and sorted(spec["cron_jobs"]) == ["nightly-report"]
