"""The Kubernetes adapter's configuration and message hygiene, without a cluster: which
kubeconfig, context and namespace it uses, and that secret values never reach a message."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from crossdock.adapters.kubernetes.adapter import KubernetesAdapter, _redacting
from crossdock.errors import PlatformError, PlatformRejected
from crossdock.specs.loader import load
from crossdock.translators.base import get


def write_kubeconfig(path: Path) -> str:
    cluster = {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": True}
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "one",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "one", "context": {"cluster": "c", "user": "u", "namespace": "ns-one"}},
                     {"name": "two", "context": {"cluster": "c", "user": "u"}}],
    }))
    return str(path)


@pytest.mark.parametrize(("context", "namespace", "expected"), [
    (None, None, "ns-one"),      # the current context's namespace
    ("two", None, "default"),    # a context without one
    ("two", "mine", "mine"),     # --namespace wins
])
def test_adapter_namespace_from_kubeconfig_context(tmp_path: Path, context: str | None, namespace: str | None,
                                                   expected: str) -> None:
    adapter = KubernetesAdapter(namespace=namespace, context=context, kubeconfig=write_kubeconfig(tmp_path / "k"))
    assert adapter.namespace == expected
    assert adapter.conn.where.startswith("https://127.0.0.1:1 from kubeconfig")


def test_adapter_kubeconfig_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "k"))
    assert KubernetesAdapter().namespace == "ns-one"


def test_adapter_unknown_context_is_a_crossdock_error(tmp_path: Path) -> None:
    adapter = KubernetesAdapter(context="nope", kubeconfig=write_kubeconfig(tmp_path / "k"))
    with pytest.raises(PlatformError, match="cannot load the Kubernetes configuration") as err:
        adapter.status("x")
    assert err.value.__cause__ is not None


def test_adapter_in_cluster_without_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    with pytest.raises(PlatformError, match="cannot load the Kubernetes configuration"):
        KubernetesAdapter().status("x")


SPEC = """\
apiVersion: crossdock/v1
kind: App
metadata: {name: shop}
secrets:
  token: {from_env: SHOP_TOKEN}
services:
  web:
    image: i:1
    secrets: [{secret: token, env: TOKEN}]
"""


def test_redacting_hides_secret_values_plain_and_base64() -> None:
    value = "hunter2-secret"
    spec = load("app.yaml", text=SPEC, environ={"SHOP_TOKEN": value})
    bundle = get("kubernetes").translate(spec)
    encoded = base64.b64encode(value.encode()).decode()
    with pytest.raises(PlatformRejected) as err:
        with _redacting(spec, bundle):
            raise PlatformRejected(f"data.value: Invalid value: {encoded!r}; env TOKEN={value}") from KeyError("k")
    assert str(err.value) == "data.value: Invalid value: '***'; env TOKEN=***"
    assert isinstance(err.value.__cause__, KeyError)


def test_conn_gather_keeps_order_and_raises_the_first_failure_in_order() -> None:
    import threading
    import time

    from crossdock.adapters.kubernetes.conn import Conn

    conn = Conn(None, "nowhere")  # type: ignore[arg-type]  # gather sends nothing itself
    started: list[str] = []
    lock = threading.Lock()

    def call(name: str, delay: float, fail: bool = False) -> str:
        with lock:
            started.append(name)
        time.sleep(delay)
        if fail:
            raise PlatformRejected(f"{name} failed")
        return name

    t0 = time.perf_counter()
    assert conn.gather([lambda: call("a", 0.2), lambda: call("b", 0.1), lambda: call("c", 0.0)]) == ["a", "b", "c"]
    assert time.perf_counter() - t0 < 0.35  # side by side, not 0.3 s one after the other
    finished: list[str] = []

    def tracked(name: str, delay: float, fail: bool) -> str:
        try:
            return call(name, delay, fail)
        finally:
            finished.append(name)

    # "b" fails after "c" has; the error raised is b's (first in order), after every call ended.
    with pytest.raises(PlatformRejected, match="b failed"):
        conn.gather([lambda: tracked("a", 0.15, False), lambda: tracked("b", 0.1, True),
                     lambda: tracked("c", 0.0, True)])
    assert sorted(finished) == ["a", "b", "c"]
