"""A compose-defined app, run as it is (`docker stack deploy -c compose.yaml`) and imported with
`crossdock import` then deployed through the adapters on Swarm and on Kubernetes: all three
answer HTTP with the same environment and the same config file.

The expected values are also written here from compose's own rules (a default applies when the
variable is unset; ``$$`` is one ``$``; a config file's content is not interpolated), so that the
original deployment is checked as well, not only compared against.

Reaching HTTP on these machines (see tests/e2e/e2e_helpers.py): Swarm has no routing mesh, so
the web service publishes in host mode (in the compose file; for the imported spec an overlay
adds the same ``x-swarm`` ports, the local platform's only difference); on Kubernetes,
``kubectl port-forward`` to the imported Service.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from e2e_helpers import E2EApp, make_app
from platforms_fixtures import HTTPD_IMAGE, http_get, wait_for
from crossdock.cli.main import main
from crossdock.specs.loader import load
from crossdock.translators.base import get

pytestmark = pytest.mark.platform

CONF = "color = blue\nprice = $5 {{ not a template }}\n"
COMPOSE = f"""\
services:
  web:
    image: {HTTPD_IMAGE}
    environment:
      PORT: "8080"
      GREETING: ${{CROSSDOCK_E2E_UNSET_GREETING:-hello from compose}}
      PRICE: "$$5"
      LIST: a,b c
    configs:
      - source: app_conf
        target: /etc/app/app.conf
    ports:
      - target: 8080
        protocol: tcp
        mode: host
    healthcheck:
      test: ["CMD", "/bin/healthcheck"]
      interval: 2s
      timeout: 2s
      retries: 3
configs:
  app_conf:
    file: ./app.conf
"""
EXPECTED_ENV = {"PORT": "8080", "GREETING": "hello from compose", "PRICE": "$5", "LIST": "a,b c"}
SWARM_OVERLAY = "services:\n  web:\n    x-swarm:\n      ports: [{target: 8080, protocol: tcp, mode: host}]\n"


def _env(body: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in body.splitlines() if "=" in line)
    return {k: v for k, v in pairs if k in EXPECTED_ENV}


def _served(base: str) -> tuple[dict[str, str], str]:
    def ok(path: str) -> str:
        code, body = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(http_get(base + path, timeout=3.0)),
                              60, f"{path} on {base}")
        return str(body)
    return _env(ok("/env")), ok("/file?path=%2Fetc%2Fapp%2Fapp.conf")


def _task_ports(swarm: Any, service: str) -> list[str]:
    out = []
    for c in swarm.api.containers(filters={"label": f"com.docker.swarm.service.name={service}"}):
        for p in c.get("Ports") or []:
            if p.get("PrivatePort") == 8080 and p.get("PublicPort") and p.get("IP") in ("0.0.0.0", "127.0.0.1"):
                out.append(f"http://127.0.0.1:{p['PublicPort']}")
    return sorted(set(out))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compose-e2e")
    (folder / "compose.yaml").write_text(COMPOSE)
    (folder / "app.conf").write_text(CONF)
    return folder


@pytest.fixture(scope="module")
def original(swarm: Any, project: Path) -> Iterator[tuple[dict[str, str], str]]:
    """The compose file deployed as it is on Swarm, and what it serves."""
    stack = f"cdi{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(["docker", "stack", "deploy", "--resolve-image", "never", "-c", "compose.yaml", stack],
                       cwd=project, check=True, capture_output=True, text=True, timeout=120)
        (base,) = wait_for(lambda: _task_ports(swarm, f"{stack}_web") or None, 120, "the original's task port")
        yield _served(base)
    finally:
        subprocess.run(["docker", "stack", "rm", stack], capture_output=True, check=False)
        wait_for(lambda: not swarm.api.services(filters={"label": f"com.docker.stack.namespace={stack}"})
                 and not swarm.api.containers(all=True, filters={"label": f"com.docker.stack.namespace={stack}"}),
                 120, f"stack {stack} to be removed")
        for c in swarm.api.configs(filters={"label": f"com.docker.stack.namespace={stack}"}):
            swarm.api.remove_config(c["ID"])


@pytest.fixture(params=["swarm", "kubernetes"])
def imported(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[E2EApp]:
    target = str(request.param)
    a = make_app(target, request.getfixturevalue(target), tmp_path)
    a.name = f"imp-{uuid.uuid4().hex[:8]}"
    try:
        yield a
    finally:
        a.cleanup()


def test_import_e2e_original_serves_what_compose_says(original: tuple[dict[str, str], str]) -> None:
    env, conf = original
    assert env == EXPECTED_ENV
    assert conf == CONF


def test_import_e2e_imported_app_serves_the_same(imported: E2EApp, project: Path, original: tuple[dict[str, str], str],
                                                 k8s_port_forward: Callable[..., Any],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    spec_file = imported.dir / "app.yaml"
    assert main(["import", "compose.yaml", "--name", imported.name, "-o", str(spec_file)]) == 0
    err = capsys.readouterr().err
    assert "services.web.ports[0]: changed: host-mode publishing" in err  # the only loss
    overlays = []
    if imported.target == "swarm":
        (imported.dir / "local.yaml").write_text(SWARM_OVERLAY)
        overlays.append(str(imported.dir / "local.yaml"))
    spec = load(str(spec_file), overlays=overlays, environ={})
    imported.adapter.deploy(spec, get(imported.target).translate(spec))
    status = imported.adapter.wait(imported.name, 240.0)
    (web,) = [w for w in status.workloads if w.name == "web"]
    assert web.healthy == web.desired == 1, status
    if imported.target == "swarm":
        (base,) = wait_for(lambda: imported.endpoints() or None, 60, "the imported web task's port")
        served = _served(base)
    else:
        with k8s_port_forward(imported.namespace, "svc/web", 8080) as port:
            served = _served(f"http://127.0.0.1:{port}")
    assert served == original
