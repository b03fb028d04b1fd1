"""Smoke tests proving the local Kubernetes is real: pods run as containers on the kubelet's
node (cri-dockerd on the Docker Engine), answer HTTP, and the controllers act on them."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from platforms_fixtures import HTTPD_IMAGE, JOB_IMAGE, NODE_NAME, http_get, wait_for

pytestmark = pytest.mark.platform

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: {image}
        env:
        - {{name: MESSAGE, value: "hello from {namespace}"}}
        ports:
        - {{containerPort: 8080, name: http}}
        readinessProbe:
          httpGet: {{path: /readyz, port: 8080}}
          periodSeconds: 1
          failureThreshold: 1
        livenessProbe:
          httpGet: {{path: /healthz, port: 8080}}
          periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports:
  - {{port: 80, targetPort: 8080}}
"""

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: job
        image: {image}
        env:
        - {{name: EXIT_CODE, value: "{exit_code}"}}
        - {{name: MESSAGE, value: "job {name} ran"}}
"""

Kubectl = Callable[..., Any]


def pods(kubectl: Kubectl, namespace: str, selector: str) -> list[dict[str, Any]]:
    out = kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json").stdout
    return [p for p in json.loads(out)["items"] if not p["metadata"].get("deletionTimestamp")]


def condition(obj: dict[str, Any], kind: str) -> str | None:
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == kind:
            return str(c["status"])
    return None


def ready_endpoints(kubectl: Kubectl, namespace: str, service: str) -> list[bool]:
    out = kubectl("get", "endpointslices", "-n", namespace,
                  "-l", f"kubernetes.io/service-name={service}", "-o", "json").stdout
    return [bool(e.get("conditions", {}).get("ready"))
            for s in json.loads(out)["items"] for e in s.get("endpoints") or []]


def running_ready_pod(kubectl: Kubectl, namespace: str) -> dict[str, Any] | None:
    for p in pods(kubectl, namespace, "app=web"):
        if p["status"].get("phase") == "Running" and condition(p, "Ready") == "True":
            return p
    return None


def test_kubernetes_deployment_runs_on_real_node_and_respects_readiness(
    kubectl: Kubectl, k8s_namespace: str, k8s_port_forward: Any
) -> None:
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=DEPLOYMENT.format(image=HTTPD_IMAGE, namespace=k8s_namespace))
    pod = wait_for(lambda: running_ready_pod(kubectl, k8s_namespace), 120, "a Running, Ready pod")
    name = pod["metadata"]["name"]
    assert pod["spec"]["nodeName"] == NODE_NAME
    assert pod["status"]["containerStatuses"][0]["containerID"].startswith("docker://")
    wait_for(lambda: ready_endpoints(kubectl, k8s_namespace, "web") == [True], 30, "a ready endpoint")
    # kubectl exec: WebSocket from kubectl, SPDY from the apiserver to the kubelet.
    exec_out = kubectl("exec", "-n", k8s_namespace, name, "--", "sh", "-c", "echo $MESSAGE").stdout
    assert exec_out.strip() == f"hello from {k8s_namespace}"

    with k8s_port_forward(k8s_namespace, f"pod/{name}", 8080) as port:
        status, body = http_get(f"http://127.0.0.1:{port}/")
        assert status == 200 and f"hello from {k8s_namespace}" in body
        assert http_get(f"http://127.0.0.1:{port}/hostname")[1].strip() == name

        # Failing readiness takes the pod out of the Service but does not restart it.
        assert http_get(f"http://127.0.0.1:{port}/admin/unready")[0] == 200
        wait_for(lambda: condition(pods(kubectl, k8s_namespace, "app=web")[0], "Ready") == "False",
                 30, "Ready=False after /readyz fails")
        wait_for(lambda: ready_endpoints(kubectl, k8s_namespace, "web") == [False], 30, "no ready endpoint")

        assert http_get(f"http://127.0.0.1:{port}/admin/ready")[0] == 200
        wait_for(lambda: ready_endpoints(kubectl, k8s_namespace, "web") == [True], 30, "the endpoint back")
    assert pods(kubectl, k8s_namespace, "app=web")[0]["status"]["containerStatuses"][0]["restartCount"] == 0


def test_kubernetes_deleted_pod_is_replaced(kubectl: Kubectl, k8s_namespace: str) -> None:
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=DEPLOYMENT.format(image=HTTPD_IMAGE, namespace=k8s_namespace))
    first = wait_for(lambda: running_ready_pod(kubectl, k8s_namespace), 120, "a Running, Ready pod")
    kubectl("delete", "pod", "-n", k8s_namespace, first["metadata"]["name"], "--wait=false")
    replacement = wait_for(
        lambda: next((p for p in [running_ready_pod(kubectl, k8s_namespace)]
                      if p and p["metadata"]["name"] != first["metadata"]["name"]), None),
        120, "a replacement pod",
    )
    assert replacement["spec"]["nodeName"] == NODE_NAME


NODEPORT_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
"""


def test_kubernetes_nodeport_service_routes_to_the_pod(kubectl: Kubectl, k8s_namespace: str) -> None:
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=DEPLOYMENT.format(image=HTTPD_IMAGE, namespace=k8s_namespace) + "---\n" + NODEPORT_SERVICE)
    pod = wait_for(lambda: running_ready_pod(kubectl, k8s_namespace), 120, "a Running, Ready pod")
    service = json.loads(kubectl("get", "service", "-n", k8s_namespace, "web-nodeport", "-o", "json").stdout)
    node_port = service["spec"]["ports"][0]["nodePort"]

    # kube-proxy (iptables mode) serves NodePorts on 127.0.0.0/8 only.
    status, body = wait_for(lambda: http_get(f"http://127.0.0.1:{node_port}/hostname"), 30,
                            f"HTTP on NodePort {node_port}")
    assert status == 200 and body.strip() == pod["metadata"]["name"]


CLIENT_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: client
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 60
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: client
        image: {image}
        command: ["sh", "-c", "timeout 10 wget -q -O - http://web/ && timeout 10 wget -q -O - http://web.{namespace}.svc.cluster.local/env"]
"""


def test_kubernetes_pod_reaches_service_by_dns_name(kubectl: Kubectl, k8s_namespace: str) -> None:
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=DEPLOYMENT.format(image=HTTPD_IMAGE, namespace=k8s_namespace))
    wait_for(lambda: running_ready_pod(kubectl, k8s_namespace), 120, "a Running, Ready pod")
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=CLIENT_JOB.format(image=JOB_IMAGE, namespace=k8s_namespace))

    def finished() -> str | None:
        job = json.loads(kubectl("get", "job", "-n", k8s_namespace, "client", "-o", "json").stdout)
        return next((k for k in ("Complete", "Failed") if condition(job, k) == "True"), None)

    outcome = wait_for(finished, 120, "the client job to finish")
    logs = kubectl("logs", "-n", k8s_namespace, "job/client").stdout
    # Cluster DNS (CoreDNS) resolves the Service; kube-proxy routes its ClusterIP to the pod.
    assert outcome == "Complete", logs
    assert f"hello from {k8s_namespace}" in logs
    assert f"MESSAGE=hello from {k8s_namespace}" in logs


@pytest.mark.parametrize(("exit_code", "outcome"), [(0, "Complete"), (1, "Failed")])
def test_kubernetes_job_runs_to_completion(
    kubectl: Kubectl, k8s_namespace: str, exit_code: int, outcome: str
) -> None:
    name = f"job-{exit_code}"
    kubectl("apply", "-n", k8s_namespace, "-f", "-",
            input=JOB.format(name=name, image=JOB_IMAGE, exit_code=exit_code))

    def finished() -> str | None:
        job = json.loads(kubectl("get", "job", "-n", k8s_namespace, name, "-o", "json").stdout)
        for kind in ("Complete", "Failed"):
            if condition(job, kind) == "True":
                return kind
        return None

    assert wait_for(finished, 120, f"job {name} to finish") == outcome
    logs = kubectl("logs", "-n", k8s_namespace, f"job/{name}").stdout
    assert f"job {name} ran" in logs
    assert f"exiting with {exit_code}" in logs
