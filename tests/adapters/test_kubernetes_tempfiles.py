"""No key file outlives a Kubernetes command.  The kubernetes client writes the certificate
authority, client certificate and client key a kubeconfig embeds (``*-data``) to files in the
temporary folder, and removes them with an ``atexit`` handler: a command that ends the ordinary
way leaves nothing there, whether it succeeded or failed.

Each command runs in a subprocess with ``TMPDIR`` set to an empty folder of its own; the
certificates are made with ``openssl`` (for the real cluster, signed by its CA, in the group
``system:masters``)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from platforms_fixtures import KUBECONFIG


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def client_pair(tmp: Path, ca: tuple[Path, Path] | None = None) -> tuple[str, str]:
    """(certificate, key) PEM of a client certificate: self-signed, or signed by ``ca``."""
    subject = "/CN=crossdock-test/O=system:masters"
    if ca is None:
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "c.key", "-out", "c.crt",
                "-days", "1", "-subj", subject, cwd=tmp)
    else:
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "c.key", "-out", "c.csr", "-subj", subject, cwd=tmp)
        openssl("x509", "-req", "-in", "c.csr", "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
                "-CAserial", str(tmp / "ca.srl"), "-out", "c.crt", "-days", "1", cwd=tmp)
    return (tmp / "c.crt").read_text(), (tmp / "c.key").read_text()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def inline_kubeconfig(path: Path, server: str, ca: str, cert: str, key: str) -> str:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data": b64(ca)}}],
        "users": [{"name": "u", "user": {"client-certificate-data": b64(cert), "client-key-data": b64(key)}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "default"}}],
    }))
    return str(path)


def run(temp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("KUBECONFIG", None)
    return subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True, timeout=120)


def test_kubernetes_command_that_fails_leaves_no_key_file(tmp_path: Path) -> None:
    cert, key = client_pair(tmp_path)
    cfg = inline_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:1", cert, cert, key)
    temp = tmp_path / "tmp"
    temp.mkdir()
    # While a command runs, the client holds the files there (the key among them): what the
    # check after exit is about.
    during = run(temp, "-c", "import os, tempfile; from crossdock.adapters.kubernetes.adapter import KubernetesAdapter; "
                             f"KubernetesAdapter(kubeconfig={cfg!r}).conn; "
                             "print(sorted(open(os.path.join(tempfile.gettempdir(), n)).read()[:30] "
                             "for n in os.listdir(tempfile.gettempdir())))")
    assert during.returncode == 0, during.stderr
    # (the same PEM as CA and client certificate is one file: the client writes each content once)
    assert set(json.loads(during.stdout.replace("'", '"'))) == {cert[:30], key[:30]}
    assert sorted(temp.iterdir()) == []

    proc = run(temp, "-m", "crossdock", "status", "shop", "-t", "kubernetes", "--kubeconfig", cfg)
    assert proc.returncode != 0 and "cannot reach the Kubernetes API server" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(temp.iterdir()) == []


@pytest.mark.platform
def test_kubernetes_command_with_inline_client_key_leaves_no_file(kubernetes: Any, tmp_path: Path) -> None:
    pki = KUBECONFIG.parent / "pki"
    cert, key = client_pair(tmp_path, (pki / "ca.crt", pki / "ca.key"))
    server = yaml.safe_load(KUBECONFIG.read_text())["clusters"][0]["cluster"]["server"]
    cfg = inline_kubeconfig(tmp_path / "kubeconfig", server, (pki / "ca.crt").read_text(), cert, key)
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = run(temp, "-m", "crossdock", "status", f"gone-{uuid.uuid4().hex[:6]}", "-t", "kubernetes",
               "--kubeconfig", cfg, "-o", "json")
    assert proc.returncode == 0, proc.stderr  # the certificate authenticated: the key was used
    assert json.loads(proc.stdout)["workloads"] == []
    assert sorted(temp.iterdir()) == []
