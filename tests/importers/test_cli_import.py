"""`crossdock import`: outputs, the loss report, --strict, atomic -o, and broken or hostile inputs
(one clear message with the place, exit code 2, never a traceback)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from crossdock.cli.main import main
from crossdock.translators.importers import base

COMPOSE = """\
services:
  web:
    image: nginx:${TAG:-1.27}
    ports: ["8080:80"]
    environment:
      GREETING: hello
      DB_PASSWORD: s3cr3t-value
    networks: [front]
networks:
  front: {}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    return folder


def test_cli_import_prints_spec_and_loss_report(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, out, err = run(capsys, "import", "shop/compose.yaml")
    assert code == 0
    data = yaml.safe_load(out)
    assert data["metadata"]["name"] == "shop"
    assert data["services"]["web"]["image"] == "nginx:${TAG}" and data["variables"] == {"TAG": "1.27"}
    assert data["secrets"] == {"db-password": {"from_env": "DB_PASSWORD"}}
    assert "Loss report (2)" in err  # services.web.networks: the network's separation is reported at networks.front
    assert "  shop/compose.yaml:7:7: services.web.environment.DB_PASSWORD: changed: " in err
    assert "  shop/compose.yaml:10:3: networks.front: changed: " in err
    assert "s3cr3t-value" not in out + err


def test_cli_import_folder_and_auto_detection(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, out, _ = run(capsys, "import", "shop", "--name", "Other App")
    assert code == 0 and yaml.safe_load(out)["metadata"]["name"] == "other-app"


def test_cli_import_writes_output_file(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    target = project / "app.yaml"
    target.write_text("old")
    code, out, err = run(capsys, "import", "shop/compose.yaml", "-o", str(target), "-q")
    assert code == 0 and out == ""
    assert "Loss report" not in err and f"wrote {target} (1 services, 0 jobs, 0 cron jobs)" in err
    assert yaml.safe_load(target.read_text())["services"]["web"]["ports"][0]["published_port"] == 8080
    assert [p.name for p in project.iterdir() if p.name.startswith(".crossdock-import-")] == []


def test_cli_import_spec_over_the_spec_cap_is_refused(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    """Two compose files, each under the 4 MiB a file may be, that together make a spec over it:
    exit 2 and one message, where the spec check would have called it a bug in the importer."""
    blob = "x" * 900_000
    for name, services in (("compose.yaml", "abc"), ("compose.override.yaml", "def")):
        (project / name).write_text("services:\n" + "".join(
            f"  {s}:\n    image: nginx:1.27\n    environment:\n      BLOB: \"{blob}\"\n" for s in services))
    target = project / "app.yaml"
    code, out, err = run(capsys, "import", "shop", "-o", str(target))
    assert code == 2 and out == "" and not target.exists()
    assert "the spec this import would write is 5.2 MiB, over the 4 MiB a spec may be" in err
    assert "bug" not in err and blob[:100] not in err


def test_cli_import_strict_writes_nothing(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    target = project / "app.yaml"
    target.write_text("previous\n")
    code, out, err = run(capsys, "import", "shop/compose.yaml", "--strict", "-o", str(target))
    assert code == 3 and out == ""
    assert "--strict: 2 thing(s) not carried over as they were; nothing was written" in err
    assert target.read_text() == "previous\n"


def test_cli_import_strict_passes_without_losses(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    code, out, err = run(capsys, "import", "shop", "--strict")
    assert code == 0 and yaml.safe_load(out)["services"] == {"web": {"image": "nginx:1.27"}} and err == ""


def test_cli_import_output_is_a_folder(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, _, err = run(capsys, "import", "shop/compose.yaml", "-o", str(project))
    assert code == 2 and "is a folder; give a file name" in err


BROKEN = [
    ("invalid-yaml", "services:\n  web: [\n", r"compose.yaml:3:1: YAML syntax error"),
    ("unknown-top-level", "services: {}\nservice:\n  web: {}\n",
     r"compose.yaml:2:1: service: unknown top-level key of a compose file"),
    ("empty", "", r"compose.yaml: the file is empty"),
    ("a-list", "- web\n", r"expected a compose file \(a mapping with services:\)"),
    ("ports-not-a-list", "services:\n  web:\n    image: x\n    ports: 8080\n",
     r"compose.yaml:4:12: services.web.ports: expected a list, got 8080"),
    ("replicas-word", "services:\n  web:\n    image: x\n    deploy: {replicas: many}\n",
     r"services.web.deploy.replicas: expected an integer, got 'many'"),
    ("reset-tag", "services:\n  web:\n    image: x\n    ports: !reset []\n", r"compose.yaml:4:12: services.web.ports: YAML tag !reset"),
    ("extends-loop", "services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n", r"extends loop"),
    ("extends-missing", "services:\n  a: {image: x, extends: nope}\n", r"no service 'nope' in this project"),
    ("include-missing", "include: [other.yaml]\nservices: {}\n", r"other.yaml: cannot read"),
    ("billion-laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in itertools.pairwise("abcdefg")) + "services: {}\n",
     r"aliases expand to more than"),
    ("not-utf8", b"services:\n  web: {image: caf\xe9}\n", r"compose.yaml:2:19: file is not valid UTF-8"),
    ("binary", b"\x00\x01\x02", r"not allowed in a YAML file|not valid UTF-8"),
    ("deep-nesting", "services: " + "[" * 100_000 + "\n", r"compose.yaml:1:\d+: nesting deeper than 64 levels"),
    ("recursive-alias", "services: &s\n  web: *s\n", r"recursive alias"),
]


@pytest.mark.parametrize(("case", "text", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_cli_import_broken_input_is_one_clear_message(capsys: pytest.CaptureFixture[str], project: Path,
                                                      case: str, text: str | bytes, message: str) -> None:
    path = project / "compose.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    code, out, err = run(capsys, "import", "shop/compose.yaml", "--from", "compose")
    assert code == 2, err
    assert out == "" and "Traceback" not in err and "internal error" not in err
    import re
    assert re.search(message, err), err


def test_cli_import_huge_file(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "compose.yaml").write_text("services: {}\n" + "#" * base.MAX_SOURCE_BYTES)
    code, _, err = run(capsys, "import", "shop/compose.yaml")
    assert code == 2 and "shop/compose.yaml: file is larger than 4 MiB" in err


def test_cli_import_missing_path_and_undetectable(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, _, err = run(capsys, "import", "nope.yml")
    assert code == 2 and "nope.yml: no such file or folder" in err
    (project / "notes.yaml").write_text("just: data\n")
    code, _, err = run(capsys, "import", "shop/notes.yaml")
    assert code == 2 and "cannot tell whether this is a compose file" in err and "--from" in err


def test_cli_import_secret_in_env_file_never_shown(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "compose.yaml").write_text("services:\n  api:\n    image: x\n    env_file: [api.env]\n")
    (project / "api.env").write_text("MODE=prod\nSTRIPE_API_KEY=sk_live_do_not_print\n")
    code, out, err = run(capsys, "import", "shop")
    assert code == 0
    assert "sk_live_do_not_print" not in out + err
    assert "shop/api.env:2" in out  # the comment says where the value was
    assert yaml.safe_load(out)["secrets"] == {"stripe-api-key": {"from_env": "STRIPE_API_KEY"}}
