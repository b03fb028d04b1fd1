"""Killing one replica from outside the orchestrator, for the heal scenario.

The container is killed (SIGKILL) through the Docker Engine that runs it, as a crashed process
or an OOM kill would end it: the orchestrator is not told, it has to notice.  On these
machines the platforms run their containers on the local engine, labelled so that each
target's ``CompareHooks.kill_filters`` finds the container of one instance (a Swarm task, a
Kubernetes pod through cri-dockerd, a Nomad allocation).  Where the instance's container is
not on an engine this machine reaches, the scenario is not measured and says so.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

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


def kill_instance(api: Any, filters: Sequence[Mapping[str, Any]], instance: str) -> str:
    """SIGKILL the first running container that one of ``filters`` finds (the target's
    ``CompareHooks.kill_filters`` for the instance, tried in order); returns its id.
    Raises NotReachable when no such container runs on the engine this machine reaches."""
    for flt in filters:
        found = api.containers(filters=dict(flt))
        if found:
            cid = str(found[0]["Id"])
            api.kill(cid, signal="SIGKILL")
            return cid
    raise NotReachable(f"the container of {instance} is not on the Docker Engine this machine reaches "
                       "(the node's container runtime is not reachable from here)")
