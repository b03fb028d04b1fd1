"""Killing one replica from outside the orchestrator, for the heal scenario.

The container is killed (SIGKILL) through the Docker Engine that runs it, as a crashed process
or an OOM kill would end it: the orchestrator is not told, it has to notice.  On these
machines both platforms run their containers on the local engine: Swarm tasks carry
``com.docker.swarm.task.id``, Kubernetes pods (through cri-dockerd) ``io.kubernetes.pod.name``
/ ``io.kubernetes.pod.namespace`` / ``io.kubernetes.container.name``, Nomad allocations
(docker driver) ``com.hashicorp.nomad.alloc_id``.  Where the instance's container is not on
an engine this machine reaches, the scenario is not measured and says so.
"""

from __future__ import annotations

from typing import Any

from crossdock.adapters.compare.reach import NotReachable


def local_docker() -> Any:
    """A low-level Docker API client on DOCKER_HOST or the local socket. Raises NotReachable."""
    try:
        import docker  # type: ignore[import-untyped]  # docker-py ships no type information

        client = docker.from_env(timeout=30)
        client.ping()
        return client.api
    except Exception as e:  # noqa: BLE001 - any failure means: no engine to kill containers with
        raise NotReachable(f"no Docker Engine reachable from this machine to kill a container with ({e})") from e


def _filters(target: str, instance: str, namespace: str | None, container: str) -> list[dict[str, Any]]:
    if target == "swarm":
        return [{"label": f"com.docker.swarm.task.id={instance}", "status": "running"}]
    if target == "kubernetes":
        return [{"label": [f"io.kubernetes.pod.name={instance}", f"io.kubernetes.pod.namespace={namespace}",
                           f"io.kubernetes.container.name={container}"], "status": "running"}]
    return [{"label": [f"com.hashicorp.nomad.alloc_id={instance}", f"com.hashicorp.nomad.task_name={container}"],
             "status": "running"}]


def kill_instance(api: Any, target: str, instance: str, namespace: str | None, container: str) -> str:
    """SIGKILL the main container of one instance (task, pod, allocation); returns its id.
    Raises NotReachable when no such container runs on the engine this machine reaches."""
    for flt in _filters(target, instance, namespace, container):
        found = api.containers(filters=flt)
        if found:
            cid = str(found[0]["Id"])
            api.kill(cid, signal="SIGKILL")
            return cid
    raise NotReachable(f"the container of {instance} is not on the Docker Engine this machine reaches "
                       "(the node's container runtime is not reachable from here)")
