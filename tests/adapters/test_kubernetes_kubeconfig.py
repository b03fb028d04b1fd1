"""The kubeconfig is loaded as kubectl loads it: a ``KUBECONFIG`` list merged (the cluster in one
file, the user or the context in another), ``--context``, exec credential plugins.  Checked by
what reaches a stand-in API server (plain HTTP on 127.0.0.1): the path's namespace and the
bearer token of each request, and by the messages of what cannot be loaded."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
from crossdock.errors import PlatformError

KINDS = [("", "v1", "pods", "Pod"), ("", "v1", "events", "Event"), ("apps", "v1", "deployments", "Deployment"),
         ("apps", "v1", "statefulsets", "StatefulSet"), ("apps", "v1", "daemonsets", "DaemonSet"),
         ("batch", "v1", "jobs", "Job"), ("batch", "v1", "cronjobs", "CronJob"),
         ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler")]


def aggregated(core: bool) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for group, version, plural, kind in KINDS:
        if (group == "") == core:
            groups.setdefault(group, []).append({"resource": plural, "scope": "Namespaced", "responseKind": {
                "group": group, "version": version, "kind": kind}})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
        {"metadata": {"name": g}, "versions": [{"version": "v2" if g == "autoscaling" else "v1", "resources": rs}]}
        for g, rs in groups.items()]}


class Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.seen.append((self.path.split("?")[0], self.headers.get("Authorization", "")))
        body: Any = aggregated(self.path == "/api") if self.path in ("/api", "/apis") else \
            {"kind": "List", "metadata": {"resourceVersion": "1"}, "items": []}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def write(path: Path, **parts: Any) -> str:
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", **parts}))
    return str(path)


def listed(seen: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(namespace, Authorization) of the listing requests."""
    return {(p.split("/namespaces/")[1].split("/")[0], auth) for p, auth in seen if "/namespaces/" in p}


def test_kubeconfig_list_merges_cluster_from_one_file_user_and_context_from_another(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: tuple[str, list[tuple[str, str]]]) -> None:
    url, seen = server
    a = write(tmp_path / "a", clusters=[{"name": "c", "cluster": {"server": url}}])
    b = write(tmp_path / "b", users=[{"name": "u", "user": {"token": "token-from-b"}}],
              contexts=[{"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": "ns-b"}}],
              **{"current-context": "ctx"})
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{a}:{b}")  # a missing file is skipped, as kubectl does
    adapter = KubernetesAdapter()
    assert adapter.status("shop").workloads == ()
    assert listed(seen) == {("ns-b", "Bearer token-from-b")}
    assert adapter.conn.where == f"{url} from kubeconfig {tmp_path / 'missing'}:{a}:{b}"


def test_kubeconfig_list_first_file_wins_and_context_picks_among_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: tuple[str, list[tuple[str, str]]]) -> None:
    url, seen = server
    a = write(tmp_path / "a", clusters=[{"name": "c", "cluster": {"server": url}}],
              users=[{"name": "u", "user": {"token": "token-from-a"}}],
              contexts=[{"name": "one", "context": {"cluster": "c", "user": "u", "namespace": "ns-one"}}],
              **{"current-context": "one"})
    b = write(tmp_path / "b", users=[{"name": "u", "user": {"token": "token-from-b"}}],
              contexts=[{"name": "two", "context": {"cluster": "c", "user": "u", "namespace": "ns-two"}}],
              **{"current-context": "two"})
    monkeypatch.setenv("KUBECONFIG", f"{a}:{b}")
    # kubectl's rule: "the first file to set current-context wins" (`kubectl config current-context`
    # says one here); the client's merger alone would keep the last file's
    KubernetesAdapter().status("shop")
    KubernetesAdapter(context="two").status("shop")
    KubernetesAdapter(context="two", namespace="mine").status("shop")
    assert listed(seen) == {("ns-one", "Bearer token-from-a"), ("ns-two", "Bearer token-from-a"),
                            ("mine", "Bearer token-from-a")}


def test_kubeconfig_exec_plugin_gives_the_token(tmp_path: Path, server: tuple[str, list[tuple[str, str]]]) -> None:
    url, seen = server
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
                      "'kind': 'ExecCredential', 'status': {'token': 'token-from-exec'}}))\n")
    cfg = write(tmp_path / "k", clusters=[{"name": "c", "cluster": {"server": url}}],
                users=[{"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                        "command": sys.executable, "args": [str(plugin)],
                                                        "interactiveMode": "Never"}}}],
                contexts=[{"name": "x", "context": {"cluster": "c", "user": "u"}}], **{"current-context": "x"})
    KubernetesAdapter(kubeconfig=cfg).status("shop")
    assert listed(seen) == {("default", "Bearer token-from-exec")}


@pytest.mark.parametrize(("text", "message"), [
    ("clusters: [", "cannot load the Kubernetes configuration: while parsing"),
    ("apiVersion: v1\nkind: Config\n", "cannot load the Kubernetes configuration: Invalid kube-config file"),
])
def test_kubeconfig_broken_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "k").write_text(text + "\n# users: [{name: u, user: {token: hunter2-secret}}]\n")
    with pytest.raises(PlatformError) as err:
        KubernetesAdapter(kubeconfig=str(tmp_path / "k")).status("x")
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    assert "hunter2" not in str(err.value)


@pytest.mark.platform
def test_kubeconfig_list_split_across_files_reaches_the_local_cluster(
        kubernetes: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from platforms_fixtures import KUBECONFIG

    whole = yaml.safe_load(KUBECONFIG.read_text())
    a = write(tmp_path / "a", clusters=whole["clusters"])
    b = write(tmp_path / "b", users=whole["users"], contexts=whole["contexts"],
              **{"current-context": whole["current-context"]})
    monkeypatch.setenv("KUBECONFIG", f"{a}:{b}")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config to fall back on
    adapter = KubernetesAdapter(namespace="kube-system")
    assert adapter.status("no-such-app").workloads == ()
    assert adapter.conn.request("reading", "GET", "/api/v1/namespaces/kube-system")["metadata"]["name"] == "kube-system"
