"""translators/importers/name_fit.py: an app name taken from a long folder name, and the names the
targets derive from it (Swarm's <app>_<secret> in 64 characters, <app>_<workload> and Nomad's
<app>-<service>-<port> in 63), never make import refuse a file.

The independent check is the spec loader's own derived-name check (specs/checks.py over
specs/names.py): every spec fit_names leaves must load.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from crossdock.errors import InputError, SpecError
from crossdock.specs.types import DNS_LABEL
from crossdock.translators.importers import base
from crossdock.translators.importers.base import ImportResult
from crossdock.translators.importers.name_fit import shorten
from cli_helpers import run, write

LONG_APP = "deviantony-docker-elk-docker-compose-yml"  # 40: a folder name cut as the importers cut it


def _doc(app: str = LONG_APP, secret: str = "logstash-internal-password", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": app},
            "secrets": {secret: {"from_env": "LOGSTASH_PASSWORD"}},
            "services": {"logstash": {"image": "logstash:8", "ports": [{"name": "http", "port": 9600}],
                                      "secrets": [{"secret": secret, "env": "PASSWORD"}], **extra}}}


def _loads(doc: dict[str, Any]) -> None:
    base.check_spec(base.write_spec(ImportResult(doc)))


@pytest.mark.parametrize(("name", "limit"), [("a" * 41, 40), (LONG_APP, 35), ("web-" * 20, 63), ("abc", 3), ("x" * 9, 5)])
def test_shorten_fits_the_limit_deterministically(name: str, limit: int) -> None:
    short = shorten(name, limit)
    assert len(short) <= limit and short == shorten(name, limit)
    assert re.fullmatch(DNS_LABEL, short)
    assert short == name if len(name) <= limit else short != name


def test_shorten_keeps_names_with_one_prefix_apart() -> None:
    assert shorten("shop-frontend-" + "a" * 40, 30) != shorten("shop-frontend-" + "b" * 40, 30)
    assert shorten(LONG_APP, 35).startswith("deviantony-docker-elk-docker")


def test_fit_names_the_unfixed_spec_does_not_load() -> None:
    # The premise: without fit_names, the loader refuses the Swarm secret name (67 > 64).
    with pytest.raises(SpecError, match="longer than 64 characters"):
        _loads(_doc())


def test_fit_names_shortens_the_app_name_with_a_loss_line() -> None:
    result = ImportResult(_doc(), sources=["elk/docker-compose.yml"])
    base.fit_names(result)
    app = result.doc["metadata"]["name"]
    assert len(app) <= 64 - len("_logstash-internal-password") and app.startswith("deviantony-docker")
    assert result.doc["secrets"] == {"logstash-internal-password": {"from_env": "LOGSTASH_PASSWORD"}}
    [loss] = result.losses
    assert loss.path == "metadata.name" and loss.kind == "changed" and "--name" in loss.message
    assert LONG_APP in loss.message and app in loss.message
    _loads(result.doc)
    again = copy.deepcopy(result)
    base.fit_names(again)
    assert again.doc == result.doc and again.losses == result.losses


def test_fit_names_leaves_a_name_that_fits() -> None:
    result = ImportResult(_doc(app="elk"))
    base.fit_names(result)
    assert result.doc["metadata"]["name"] == "elk" and result.losses == []


@pytest.mark.parametrize("extra", [
    {"sidecars": [{"name": "exporter", "image": "exporter:1"}]},  # 40 + 1 + 32 + 1 + 8 > 63
    {"ports": [{"name": "http", "port": 80}, {"name": "metrics-mgmt", "port": 9600}]},  # 40 + 1 + 32 + 1 + 12
])
def test_fit_names_counts_sidecars_and_nomad_port_services(extra: dict[str, Any]) -> None:
    doc = _doc(secret="pw", **extra)
    doc["services"]["logstash-with-a-rather-long-name"] = doc["services"].pop("logstash")
    with pytest.raises(SpecError, match="longer than 63 characters"):
        _loads(doc)
    result = ImportResult(doc)
    base.fit_names(result)
    _loads(result.doc)


def test_fit_names_shortens_a_secret_that_leaves_no_room() -> None:
    secret = "s" * 60  # a valid object name (63 max) for which <app>_<secret> passes 64 with any app
    doc = _doc(secret=secret)
    doc["jobs"] = {"setup": {"image": "x:1", "secrets": [{"secret": secret, "path": "/run/s"}]}}
    result = ImportResult(doc, comments={("secrets", secret): "from the compose file"})
    base.fit_names(result)
    [new] = result.doc["secrets"]
    assert new != secret and len(result.doc["metadata"]["name"]) + 1 + len(new) <= 64
    assert result.doc["services"]["logstash"]["secrets"][0]["secret"] == new
    assert result.doc["jobs"]["setup"]["secrets"][0]["secret"] == new
    assert result.comments == {("secrets", new): "from the compose file"}
    assert {loss.path for loss in result.losses} == {"metadata.name", f"secrets.{new}"}
    _loads(result.doc)


def test_fit_names_refuses_a_given_name_that_cannot_fit() -> None:
    with pytest.raises(InputError, match=r"--name .*at most 64 characters.*give a name of at most 37 characters"):
        base.fit_names(ImportResult(_doc()), given_name=LONG_APP)
    with pytest.raises(InputError, match="--name Shop_1: expected an app name"):
        base.fit_names(ImportResult(_doc(app="Shop_1")), given_name="Shop_1")
    ok = ImportResult(_doc(app="elk"))
    base.fit_names(ok, given_name="elk")
    assert ok.losses == []


COMPOSE = """services:
  logstash:
    image: logstash:8.15.0
    environment:
      LOGSTASH_INTERNAL_PASSWORD: ${LOGSTASH_INTERNAL_PASSWORD:-}
"""


def test_cli_import_long_folder_name_imports_and_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "deviantony-docker-elk-docker-compose-yml-and-then-some"
    folder.mkdir()
    write(folder, "docker-compose.yml", COMPOSE)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "import", folder.name, "-o", "app.yaml")
    assert code == 0, err
    assert "is shortened to" in err and "--name sets another" in err
    monkeypatch.setenv("LOGSTASH_INTERNAL_PASSWORD", "x")  # part 4 of issue 20 lifts this
    code, out, err = run(capsys, "validate", "app.yaml")
    assert code == 0, out + err
    code, _, err = run(capsys, "import", folder.name, "--name", LONG_APP)
    assert code == 2 and "--name deviantony-docker-elk-docker-compose-yml: too long" in err
    assert "Traceback" not in err
