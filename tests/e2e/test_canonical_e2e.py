"""The canonical example (examples/shop/app.yaml, environment ``local``) deployed on the real
Swarm and the real Kubernetes node: every service healthy, the migrate job done, the web
service answering over HTTP with its env, config files and secret, then destroyed.

The expected values are read from the example's own files (config/web.conf,
secrets/db-password.txt) or written here from the spec's rules ($$ is a literal $, ${...} of an
unknown name is not a variable when escaped), not from crossdock's output.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from kubernetes import client

from e2e_helpers import E2EApp, make_app
from platforms_fixtures import http_get, wait_for
from crossdock.specs.loader import load
from crossdock.translators.base import get

pytestmark = pytest.mark.platform

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
BANNER = 'Welcome to the shop. Prices in $USD; "quotes", {{ braces }} and ${not_a_var} stay as written.\n'


@pytest.fixture(params=["swarm", "kubernetes"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[E2EApp]:
    target = str(request.param)
    a = make_app(target, request.getfixturevalue(target), tmp_path)
    a.name = f"shop-{uuid.uuid4().hex[:6]}"  # never the name a person may have deployed
    try:
        yield a
    finally:
        a.cleanup()


def served(text: str) -> str:
    """A body as the test image serves it: trailing newlines trimmed, then one added
    (scripts/platforms.d/IMAGES.md)."""
    return text.rstrip("\n") + "\n"


def web_urls(a: E2EApp) -> list[str]:
    """Where the web service answers on 127.0.0.1: the node port Kubernetes gave the
    LoadBalancer Service ``web-public``; on Swarm each task's host-mode port."""
    if a.target == "kubernetes":
        svc = client.CoreV1Api(a.platform).read_namespaced_service("web-public", a.namespace)
        return [f"http://127.0.0.1:{p.node_port}" for p in svc.spec.ports if p.port == 8080]
    return a.endpoints()


def test_canonical_example_deploys_healthy_and_serves(shop: E2EApp) -> None:
    overlay = shop.dir / "name.yaml"
    overlay.write_text(f"metadata: {{name: {shop.name}}}\n")
    spec = load(str(SHOP / "app.yaml"), env="local", overlays=[str(overlay)])
    shop.adapter.deploy(spec, get(shop.target).translate(spec))
    status = shop.adapter.wait(shop.name, 240.0)

    services = {w.name: w for w in status.workloads if w.kind == "service"}
    expected = {"web", "api", "cache"} | ({"api-metrics"} if shop.target == "swarm" else set())
    assert set(services) == expected, status
    for w in services.values():
        assert w.healthy == w.desired >= 1, w
    assert services["web"].healthy == 2
    (migrate,) = [w for w in status.workloads if w.name == "migrate"]
    assert migrate.runs and migrate.runs[-1].state == "succeeded", migrate

    urls = wait_for(lambda: (lambda u: u if len(u) == (1 if shop.target == "kubernetes" else 2) else None)(
        web_urls(shop)), 30, "the web service's addresses")
    for base in urls:
        def get_ok(path: str, base: str = base) -> str:
            code, body = wait_for(lambda: (lambda r: r if r[0] == 200 else None)(http_get(base + path, timeout=3.0)),
                                  30, f"{path} on {base}")
            return body
        env = get_ok("/env").splitlines()
        assert "GREETING=hello from crossdock" in env
        assert "PORT=8080" in env
        assert get_ok("/file?path=" + quote("/etc/shop/web.conf", safe="")) == served((SHOP / "config/web.conf").read_text())
        assert get_ok("/file?path=" + quote("/etc/shop/banner.txt", safe="")) == BANNER
        password = (SHOP / "secrets/db-password.txt").read_text()
        assert get_ok("/file?path=" + quote("/run/secrets/db-password", safe="")) == served(password)
        if shop.target == "kubernetes":
            assert f"DB_PASSWORD={password}" in env
        else:  # Swarm delivers secrets as files only; the report says DB_PASSWORD_FILE is set
            assert "DB_PASSWORD_FILE=/run/secrets/db-password" in env

    removed = shop.adapter.destroy(shop.name)
    assert removed
    assert shop.leftovers() == {}
