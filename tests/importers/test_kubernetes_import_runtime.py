"""translators/importers/kubernetes_security.py: how a pod's containers run -> security,
working_dir, hostname, stop_grace_period, stop_signal; a DaemonSet's mode.

Expectations follow the Kubernetes API reference (core/v1 SecurityContext, PodSecurityContext,
Container, Lifecycle): a container's runAsUser/runAsGroup/runAsNonRoot override the pod's;
allowPrivilegeEscalation false is Linux no_new_privs; capabilities are names without CAP_;
terminationGracePeriodSeconds defaults to 30.
"""

from __future__ import annotations

from crossdock.specs.model import Capabilities, Security
from test_kubernetes_import import deployment, losses, run


def test_kubernetes_import_container_security_context() -> None:
    result, app = run({"d.yaml": deployment(container="""\
        securityContext:
          runAsUser: 10001
          runAsGroup: 10001
          runAsNonRoot: true
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          privileged: false
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE, CAP_SYS_TIME, net_raw]
        """)})
    assert app.services["web"].security == Security(
        user=10001, group=10001, read_only_root=True, no_new_privileges=True,
        capabilities=Capabilities(add=["NET_BIND_SERVICE", "SYS_TIME", "NET_RAW"], drop=["ALL"]))
    # Every field has its place in the spec: nothing kept for Kubernetes only, nothing reported.
    assert app.services["web"].extension("kubernetes") is None
    assert not [m for m in losses(result) if "securityContext" in m]


def test_kubernetes_import_pod_security_context_is_each_containers_default() -> None:
    result, app = run({"d.yaml": deployment(pod="""\
        securityContext:
          runAsUser: 1000
          runAsGroup: 3000
          fsGroup: 2000
          seccompProfile: {type: RuntimeDefault}
        initContainers:
          - name: migrate
            image: example/migrate:1
            workingDir: /app
            securityContext: {runAsUser: 0, privileged: true}
        """, container="securityContext: {runAsGroup: 4000}\n")})
    web = app.services["web"]
    # The main container sets its own group; its user comes from the pod.
    assert web.security == Security(user=1000, group=4000)
    (migrate,) = web.init
    assert migrate.security == Security(user=0, group=3000, privileged=True)
    assert migrate.working_dir == "/app"
    # fsGroup and seccompProfile have no place in the spec: kept for Kubernetes, reported.
    assert web.extension("kubernetes") == {"spec": {"template": {"spec": {"securityContext": {
        "fsGroup": 2000, "seccompProfile": {"type": "RuntimeDefault"}}}}}}
    kept = sorted(loss.path for loss in result.losses if "kept for Kubernetes only" in loss.message)
    assert kept == ["Deployment/web: spec.template.spec.securityContext.fsGroup",
                    "Deployment/web: spec.template.spec.securityContext.seccompProfile"]


def test_kubernetes_import_run_as_non_root_without_a_user_is_reported() -> None:
    """runAsNonRoot alone asks the kubelet to refuse an image whose user is root: the spec cannot say it."""
    result, app = run({"d.yaml": deployment(container="securityContext: {runAsNonRoot: true}\n")})
    assert app.services["web"].security is None
    assert app.services["web"].extension("kubernetes") == {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "securityContext": {"runAsNonRoot": True}}]}}}}
    assert any("securityContext.runAsNonRoot: changed: kept for Kubernetes only" in m for m in losses(result))


def test_kubernetes_import_pod_run_as_non_root_kept_only_when_every_container_has_a_user() -> None:
    _, app = run({"d.yaml": deployment(pod="""\
        securityContext: {runAsNonRoot: true}
        initContainers:
          - {name: setup, image: busybox:1.36, securityContext: {runAsUser: 1000}}
        """, container="securityContext: {runAsUser: 1000}\n")})
    assert app.services["web"].extension("kubernetes") is None
    _, app = run({"d.yaml": deployment(pod="""\
        securityContext: {runAsNonRoot: true}
        initContainers:
          - {name: setup, image: busybox:1.36}
        """, container="securityContext: {runAsUser: 1000}\n")})
    assert app.services["web"].extension("kubernetes") == {"spec": {"template": {"spec": {"securityContext": {
        "runAsNonRoot": True}}}}}


def test_kubernetes_import_bad_capability_is_reported() -> None:
    result, app = run({"d.yaml": deployment(container="securityContext: {capabilities: {add: [NET_ADMIN, 'bad cap']}}\n")})
    security = app.services["web"].security
    assert security is not None and security.capabilities == Capabilities(add=["NET_ADMIN"])
    assert any("capabilities.add[1]: not a Linux capability name" in m for m in losses(result))


def test_kubernetes_import_working_dir_hostname_and_stop() -> None:
    result, app = run({"d.yaml": deployment(pod="""\
        hostname: primary
        terminationGracePeriodSeconds: 120
        """, container="""\
        workingDir: /srv/app
        lifecycle:
          stopSignal: SIGQUIT
          preStop: {exec: {command: [/bin/drain]}}
        """)})
    web = app.services["web"]
    assert (web.working_dir, web.hostname, web.stop_grace_period, web.stop_signal) == (
        "/srv/app", "primary", "2m", "SIGQUIT")
    # preStop has no place in the spec: kept for Kubernetes beside the carried stopSignal.
    assert web.extension("kubernetes") == {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "lifecycle": {"preStop": {"exec": {"command": ["/bin/drain"]}}}}]}}}}
    assert not [m for m in losses(result) if "stopSignal" in m or "hostname" in m or "workingDir" in m]


def test_kubernetes_import_default_grace_period_is_not_written() -> None:
    _, app = run({"d.yaml": deployment(pod="terminationGracePeriodSeconds: 30\n")})
    assert app.services["web"].stop_grace_period is None and app.services["web"].extension("kubernetes") is None
    _, app = run({"d.yaml": deployment(pod="terminationGracePeriodSeconds: 0\n")})
    assert app.services["web"].stop_grace_period == "0s"


def test_kubernetes_import_job_and_sidecar_security() -> None:
    _, app = run({"j.yaml": """\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: backup}
        spec:
          template:
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 10
              securityContext: {runAsUser: 999}
              initContainers:
                - name: proxy
                  image: example/proxy:1
                  restartPolicy: Always
                  workingDir: /proxy
                  securityContext: {readOnlyRootFilesystem: true}
              containers:
                - {name: backup, image: example/backup:1}
        """})
    backup = app.jobs["backup"]
    assert backup.security == Security(user=999) and backup.stop_grace_period == "10s"
    (proxy,) = backup.sidecars
    assert proxy.security == Security(user=999, read_only_root=True) and proxy.working_dir == "/proxy"


def test_kubernetes_import_dotted_env_names_are_carried() -> None:
    result, app = run({"d.yaml": deployment(container="""\
        env:
          - {name: discovery.type, value: single-node}
          - {name: xpack.security.enabled, value: "false"}
        """)})
    assert app.services["web"].env == {"discovery.type": "single-node", "xpack.security.enabled": "false"}
    assert not [m for m in losses(result) if "env" in m]


def _daemon_set(spec: str) -> dict[str, str]:
    return {"ds.yaml": "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n"
            "  selector: {matchLabels: {app: agent}}\n" + spec
            + "  template:\n    metadata: {labels: {app: agent}}\n"
            "    spec:\n      containers: [{name: agent, image: 'example/agent:1'}]\n"}


def test_kubernetes_import_daemon_set_rolling_update() -> None:
    # The API's default: maxUnavailable 1, maxSurge 0: one old pod stops before its new one starts.
    _, app = run(_daemon_set(""))
    agent = app.services["agent"]
    assert agent.mode == "per_node" and (agent.update.surge, agent.update.parallelism) == (0, 1)
    _, app = run(_daemon_set("  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 3}}\n"))
    assert (app.services["agent"].update.surge, app.services["agent"].update.parallelism) == (0, 3)
    _, app = run(_daemon_set("  minReadySeconds: 5\n  updateStrategy:\n    type: RollingUpdate\n"
                             "    rollingUpdate: {maxSurge: 2, maxUnavailable: 0}\n"))
    agent = app.services["agent"]
    assert (agent.update.surge, agent.update.min_ready) == (2, "5s") and agent.extension("kubernetes") is None


def test_kubernetes_import_daemon_set_on_delete_or_percentage_is_kept_for_kubernetes() -> None:
    result, app = run(_daemon_set("  updateStrategy: {type: OnDelete}\n"))
    assert app.services["agent"].extension("kubernetes") == {"spec": {"updateStrategy": {"type": "OnDelete"}}}
    result, app = run(_daemon_set("  updateStrategy: {rollingUpdate: {maxUnavailable: 10%}}\n"))
    assert app.services["agent"].extension("kubernetes") == {"spec": {"updateStrategy": {"rollingUpdate": {
        "maxUnavailable": "10%"}}}}
    assert any("updateStrategy.rollingUpdate" in m and "kept for Kubernetes only" in m for m in losses(result))
