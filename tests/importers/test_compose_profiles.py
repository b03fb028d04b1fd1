"""Compose profiles, unset variables, dotted env names and the two kinds of labels, imported.

Compose Specification: "Services without a profiles attribute are always enabled"; a service with
profiles only when one of them is active (``--profile``, or ``COMPOSE_PROFILES``).  docker
compose uses an empty string for an unset variable (with a warning), and an environment entry
without a value takes the shell's value or is left unset in the container.  ``labels`` are the
container's; ``deploy.labels`` the service's (Swarm).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cli_helpers import run, write
from compose_helpers import import_compose, losses
from crossdock.translators.importers import base

PROJECT = """\
services:
  web:
    image: nginx:1.27
  debug-shell:
    image: busybox
    profiles: [debug]
  seed:
    image: x
    profiles: [setup, dev]
"""


@pytest.mark.parametrize(("profiles", "kept"), [
    ((), {"web"}),
    (("debug",), {"web", "debug-shell"}),
    (("dev",), {"web", "seed"}),
    (("debug", "setup"), {"web", "debug-shell", "seed"}),
    (("*",), {"web", "debug-shell", "seed"}),
])
def test_compose_profiles_choose_services(profiles: tuple[str, ...], kept: set[str]) -> None:
    app, result, _ = import_compose(PROJECT, profiles)
    assert set(app.services) == kept
    found = losses(result)
    for name in {"debug-shell", "seed"} - kept:
        assert found[f"services.{name}.profiles"].message.startswith("left out")


def test_compose_profiles_from_compose_profiles_variable() -> None:
    app, _, _ = import_compose(PROJECT, environ={"COMPOSE_PROFILES": "debug,dev"})
    assert set(app.services) == {"web", "debug-shell", "seed"}
    app, _, _ = import_compose(PROJECT, **{".env": "COMPOSE_PROFILES=debug\n"})
    assert set(app.services) == {"web", "debug-shell"}


def test_compose_profiles_dependency_on_a_left_out_service_is_reported() -> None:
    app, result, _ = import_compose("services:\n  web: {image: x, depends_on: [tools]}\n"
                                    "  tools: {image: y, profiles: [tools]}\n")
    assert set(app.services) == {"web"} and app.services["web"].depends_on == []
    assert "left out" in losses(result)["services.web.depends_on.tools"].message


def test_compose_profiles_cli_option(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    path = write(tmp_path, "compose.yaml", PROJECT)
    code, out, err = run(capsys, "import", path, "--profile", "debug", "--profile", "setup")
    assert code == 0, err
    assert set(yaml.safe_load(out)["services"]) == {"web", "debug-shell", "seed"}
    code, out, err = run(capsys, "import", path)
    assert code == 0 and set(yaml.safe_load(out)["services"]) == {"web"}
    assert "services.seed.profiles: left out" in err
    manifest = write(tmp_path, "k.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                     "spec: {containers: [{name: c, image: x}]}\n")
    code, _, err = run(capsys, "import", manifest, "--profile", "debug")
    assert code == 2 and "--profile: only compose files have profiles" in err


# ---- variables without a value -----------------------------------------------------------------

def test_compose_unset_variable_gets_an_empty_value_and_a_line() -> None:
    text = "services:\n  web:\n    image: x\n    command: [serve, --base-url, '${BASE_URL}']\n"
    app, result, spec = import_compose(text, environ={"BASE_URL": "https://example.test"})
    assert app.variables == {"BASE_URL": ""} and "example.test" not in spec  # the shell's value is not copied
    assert app.services["web"].args == ["serve", "--base-url", ""]
    loss = losses(result)["services.web.command[2]"]
    assert loss.kind == "changed" and "BASE_URL" in loss.message and "not copied" in loss.message
    assert base.check_spec(spec, environ={}).app.variables == {"BASE_URL": ""}  # loads with nothing exported


def test_compose_value_less_environment_entries() -> None:
    text = "services:\n  web:\n    image: x\n    environment:\n      - LOG_LEVEL\n      - TZ=UTC\n  api:\n" \
           "    image: x\n    environment:\n      SENTRY_ENV:\n"
    app, result, spec = import_compose(text)
    assert app.services["web"].env == {"LOG_LEVEL": "", "TZ": "UTC"}
    assert app.services["api"].env == {"SENTRY_ENV": ""}
    assert app.variables == {"LOG_LEVEL": "", "SENTRY_ENV": ""}
    assert "LOG_LEVEL: ${LOG_LEVEL}" in spec
    assert all(loss.kind == "changed" and "no value in the file" in loss.message for loss in result.losses)
    assert len(result.losses) == 2
    base.check_spec(spec, environ={})


def test_compose_unset_variables_cli_spec_validates_and_renders_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BASE_URL", "LOG_LEVEL", "COMPOSE_PROFILES"):
        monkeypatch.delenv(name, raising=False)
    path = write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    environment:\n"
                 "      - LOG_LEVEL\n      - PUBLIC_URL=${BASE_URL}/app\n    ports: ['8080']\n"
                 "  api:\n    image: nginx:1.27\n    ports: ['8080']\n")
    code, _, err = run(capsys, "import", path, "-o", "app.yaml")
    assert code == 0, err
    assert "LOG_LEVEL" in err and "BASE_URL" in err  # the loss report names what to set
    code, _, err = run(capsys, "validate", "app.yaml")
    assert code == 0, err
    code, _, err = run(capsys, "render", "app.yaml", "--target", "all", "-o", "out")
    assert code == 0, err


def test_compose_value_less_entry_with_a_dotenv_value_needs_no_line() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    environment: [LOG_LEVEL]\n",
                                    **{".env": "LOG_LEVEL=debug\n"})
    assert app.variables == {"LOG_LEVEL": "debug"} and result.losses == []


def test_compose_unset_variable_in_an_image_stays_required() -> None:
    # compose could not pull "app:" either: no empty default, but a line naming the variable
    app, result, spec = import_compose("services:\n  web:\n    image: registry.test/app:${TAG}\n")
    assert app.variables == {}
    assert "TAG" in losses(result)["services.web.image"].message


def test_compose_dotted_and_dashed_env_names_are_carried() -> None:
    # docker-elk's Elasticsearch service, and an env file with a dotted key
    app, result, _ = import_compose("""\
services:
  elasticsearch:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0
    environment:
      node.name: elasticsearch
      ES_JAVA_OPTS: -Xms512m -Xmx512m
      discovery.type: single-node
      xpack.security.enabled: "true"
    env_file: [es.env]
""", **{"es.env": "cluster.routing.allocation.disk.threshold_enabled=false\nhttp-port=9200\n"})
    assert app.services["elasticsearch"].env == {
        "cluster.routing.allocation.disk.threshold_enabled": "false", "http-port": "9200",
        "node.name": "elasticsearch", "ES_JAVA_OPTS": "-Xms512m -Xmx512m", "discovery.type": "single-node",
        "xpack.security.enabled": "true"}
    assert result.losses == []


# ---- labels and deploy.labels ------------------------------------------------------------------

def test_compose_deploy_labels_merge_with_container_labels_and_say_so() -> None:
    app, result, _ = import_compose("""\
services:
  whoami:
    image: traefik/whoami
    labels:
      com.example.team: web
      com.example.tier: front
    deploy:
      labels:
        traefik.enable: "true"
        com.example.tier: edge
""")
    assert app.services["whoami"].labels == {"com.example.team": "web", "com.example.tier": "edge",
                                             "traefik.enable": "true"}
    found = losses(result)
    assert found["services.whoami.deploy.labels"].kind == "changed"
    assert found["services.whoami.deploy.labels.com.example.tier"].kind == "changed"


def test_compose_deploy_labels_alone_need_no_line() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    deploy: {labels: [team=web]}\n")
    assert app.services["web"].labels == {"team": "web"} and result.losses == []
