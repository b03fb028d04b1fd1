"""The Kubernetes adapter's failures are crossdock errors with a message a person can act on.

Each failure is provoked for real: a server that does not listen, a wrong token, a token of a
ServiceAccount without permissions, an object the API server refuses.  No ``ApiException`` or
urllib3 exception leaves the adapter; each crossdock error is chained to its cause.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import urllib3
import yaml
from kubernetes import client
from kubernetes.client.exceptions import OpenApiException

from platforms_fixtures import HTTPD_IMAGE, KUBECONFIG
from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.errors import (
    CrossdockError,
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformUnauthorized,
    PlatformUnreachable,
)
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle, get

pytestmark = pytest.mark.platform

SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {app}}}
secrets:
  token: {{from_file: token.txt}}
services:
  web:
    image: {httpd}
    secrets:
      - {{secret: token, env: TOKEN}}
{extra}
"""
SECRET = "do-not-show-this-value"


def render(tmp_path: Path, extra: str = "") -> tuple[LoadedSpec, Bundle]:
    (tmp_path / "token.txt").write_text(SECRET)
    (tmp_path / "app.yaml").write_text(SPEC.format(app=f"cdt{uuid.uuid4().hex[:8]}", httpd=HTTPD_IMAGE,
                                                   extra=extra))
    spec = load(str(tmp_path / "app.yaml"))
    return spec, get("kubernetes").translate(spec)


def kubeconfig(tmp_path: Path, server: str | None = None, token: str | None = None) -> str:
    cfg = yaml.safe_load(KUBECONFIG.read_text())
    if server is not None:
        cfg["clusters"][0]["cluster"]["server"] = server
    if token is not None:
        cfg["users"][0]["user"] = {"token": token}
    path = tmp_path / f"kubeconfig-{uuid.uuid4().hex[:6]}"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def every_call(adapter: KubernetesAdapter, tmp_path: Path, expected: type[PlatformError]) -> list[PlatformError]:
    """plan, deploy, status, destroy and logs each raise ``expected``, chained, client-free."""
    spec, bundle = render(tmp_path)
    calls = [lambda: adapter.plan(spec, bundle), lambda: adapter.deploy(spec, bundle),
             lambda: adapter.status("x"), lambda: adapter.destroy("x"), lambda: list(adapter.logs("x", "web")),
             lambda: adapter.wait("x", 1)]
    out = []
    for call in calls:
        with pytest.raises(CrossdockError) as err:
            call()
        assert type(err.value) is expected, err.value
        assert err.value.__cause__ is not None
        assert not isinstance(err.value, (OpenApiException, urllib3.exceptions.HTTPError))
        assert SECRET not in str(err.value)
        out.append(err.value)
    return out


def test_adapter_unreachable_server(tmp_path: Path, kubernetes: Any) -> None:
    adapter = KubernetesAdapter(namespace="default", kubeconfig=kubeconfig(tmp_path, server="https://127.0.0.1:1"))
    errors = every_call(adapter, tmp_path, PlatformUnreachable)
    assert "cannot reach the Kubernetes API server (https://127.0.0.1:1" in str(errors[0])


def test_adapter_bad_token_is_unauthorized(tmp_path: Path, kubernetes: Any) -> None:
    adapter = KubernetesAdapter(namespace="default", kubeconfig=kubeconfig(tmp_path, token="not-a-valid-token"))
    errors = every_call(adapter, tmp_path, PlatformUnauthorized)
    assert "refused our credentials" in str(errors[0])


def test_adapter_token_without_rights_is_forbidden(tmp_path: Path, kubernetes: Any, k8s_namespace: str) -> None:
    core = client.CoreV1Api(kubernetes)
    core.create_namespaced_service_account(k8s_namespace, client.V1ServiceAccount(
        metadata=client.V1ObjectMeta(name="nobody")))
    token = core.create_namespaced_service_account_token(
        "nobody", k8s_namespace, client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=600))).status.token
    adapter = KubernetesAdapter(namespace=k8s_namespace, kubeconfig=kubeconfig(tmp_path, token=token))
    errors = every_call(adapter, tmp_path, PlatformForbidden)
    assert "forbidden" in str(errors[0]) and "nobody" in str(errors[0])


def test_adapter_rejected_object_carries_the_server_message(tmp_path: Path, k8s_namespace: str) -> None:
    adapter = KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG))
    extra = ("    x-kubernetes:\n      spec: {template: {spec: {containers: "
             "[{name: web, imagePullPolicy: Sometimes}]}}}")
    spec, bundle = render(tmp_path, extra)
    for call in (adapter.plan, adapter.deploy):
        with pytest.raises(PlatformRejected) as err:
            call(spec, bundle)
        assert "Deployment web" in str(err.value)
        assert 'Unsupported value: "Sometimes"' in str(err.value)
        assert isinstance(err.value.__cause__, (type(None), Exception))
    assert adapter.status(spec.app.name).workloads == ()


def test_adapter_will_not_take_over_a_foreign_object(tmp_path: Path, kubernetes: Any, k8s_namespace: str) -> None:
    client.CoreV1Api(kubernetes).create_namespaced_service(k8s_namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name="web"), spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)])))
    spec, bundle = render(tmp_path, "    ports: [{name: http, port: 8080}]")
    adapter = KubernetesAdapter(namespace=k8s_namespace, kubeconfig=str(KUBECONFIG))
    with pytest.raises(PlatformRejected, match="Service web already exists .* not managed by crossdock"):
        adapter.deploy(spec, bundle)


def test_adapter_unreadable_kubeconfig(tmp_path: Path) -> None:
    adapter = KubernetesAdapter(kubeconfig=str(tmp_path / "missing"))
    with pytest.raises(PlatformError, match="cannot load the Kubernetes configuration") as err:
        adapter.status("x")
    assert err.value.__cause__ is not None
