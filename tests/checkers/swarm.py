"""Swarm stack files checked by the docker CLI's own compose v3 loader.

``docker stack config -c FILE`` runs, offline and without a daemon, the same code that
``docker stack deploy`` runs first: YAML parsing, ``$`` interpolation (``$$`` -> ``$``),
the CLI's embedded compose v3 JSON Schema and its typed decoding. Seen on docker CLI
28.2.2 (stderr, exit 1):

- unknown key: ``services.web Additional property bogus is not allowed``
- string published port: ``services.web.ports.0.published must be a integer``
- wrong type: ``services.web.image must be a string``
- bad duration: ``services.web.healthcheck.timeout Does not match format 'duration'``
- bad size: ``error decoding 'Deploy.Resources.Reservations.memory': invalid size: 'lots'``
- forbidden keys (``cpus``, ``mem_limit``, ``extends``, ``volumes_from`` ...): rejected
- bad interpolation (``${`` unclosed): ``invalid interpolation format for ...``
  The CLI stops at its first error, so one message per call.

What the CLI accepts although a swarm will not honour it (checked here, not by the CLI):

- ``build``, ``restart``, ``privileged`` ... (``docker stack deploy`` prints "Ignoring
  unsupported options") and ``container_name``, ``expose`` ("Ignoring deprecated
  options"): the lists below are the docker CLI's ``types.UnsupportedProperties`` and
  ``DeprecatedProperties`` as in its current source (the installed CLI's own lists are
  compiled in and cannot be read back); ``stack_config`` rejects them unless ``allow_ignored=True``.
- references to secrets, configs, volumes or networks that the file does not declare
  (deploy fails with "undefined secret" and the like): rejected here.

Still accepted by both: unknown enum values such as ``ports[].mode: bogus`` (no enum in
the CLI's schema), unset variables (``${X}`` becomes ``""``: the environment is emptied
so such a slip changes the value and a byte-for-byte comparison catches it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from . import CheckFailed

__all__ = ["DEPRECATED_KEYS", "UNSUPPORTED_KEYS", "stack_config"]

UNSUPPORTED_KEYS = frozenset({
    "build", "cgroupns_mode", "cgroup_parent", "devices", "domainname", "external_links",
    "ipc", "links", "mac_address", "network_mode", "pid", "privileged", "restart",
    "security_opt", "shm_size", "userns_mode",
})
DEPRECATED_KEYS = frozenset({"container_name", "expose"})


class _CliOutputLoader(yaml.SafeLoader):
    """YAML loader for the CLI's output: Go's encoder leaves ``=`` and ``<<`` unquoted,
    which PyYAML would read as its ``value`` and ``merge`` tags instead of strings."""


_CliOutputLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _docker() -> str:
    docker = shutil.which("docker")
    if docker is None:
        raise RuntimeError(
            "the docker CLI is not on PATH; install it with "
            "`apt-get update && apt-get install -y docker.io` (no daemon is needed)"
        )
    return docker


def _undeclared(config: dict[str, Any]) -> list[str]:
    problems = []
    declared = {kind: set(config.get(kind) or {}) for kind in ("secrets", "configs", "volumes")}
    declared["networks"] = set(config.get("networks") or {}) | {"default"}
    for name, service in sorted((config.get("services") or {}).items()):
        refs = [("secrets", s.get("source")) for s in service.get("secrets") or []]
        refs += [("configs", c.get("source")) for c in service.get("configs") or []]
        refs += [("volumes", v.get("source")) for v in service.get("volumes") or []
                 if v.get("type") == "volume" and v.get("source")]
        refs += [("networks", n) for n in service.get("networks") or {}]
        for kind, ref in refs:
            if ref not in declared[kind]:
                problems.append(f"services.{name}.{kind}: {kind[:-1]} {ref!r} is not declared "
                                f"in the top-level {kind} (stack deploy fails: undefined {kind[:-1]})")
    return problems


def stack_config(text: str, *, allow_ignored: bool = False) -> dict[str, Any]:
    """Load a stack file the way ``docker stack deploy`` does and return the result.

    The result is the CLI's normalised config (interpolated: ``$$`` is now ``$``; short
    syntax expanded to long syntax; durations like ``1m0s``; octal modes as integers;
    relative paths as ``./x`` even where the file said ``x``). Raises CheckFailed with the
    CLI's message when it rejects the file, or with our message for keys a swarm ignores
    (unless ``allow_ignored``) and undeclared references; RuntimeError when no docker CLI.
    """
    docker = _docker()
    with tempfile.TemporaryDirectory(prefix="crossdock-swarm-") as tmp:
        stack = Path(tmp, "stack.yml")
        stack.write_text(text, encoding="utf-8")
        # An empty environment: no user's DOCKER_* settings, no variable to interpolate.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "DOCKER_CONFIG": tmp}
        proc = subprocess.run([docker, "stack", "config", "-c", str(stack)], capture_output=True,
                              text=True, env=env, cwd=tmp, timeout=60, check=False)
    if proc.returncode != 0:
        raise CheckFailed(f"docker stack config rejected the stack file: {proc.stderr.strip()}")
    # The CLI makes relative paths (configs' and secrets' file, bind sources) absolute
    # against the stack file's folder; give them back relative to it, as written.
    output = proc.stdout.replace(f"{tmp}/", "./").replace(tmp, ".")
    config = yaml.load(output, Loader=_CliOutputLoader)  # noqa: S506 - a SafeLoader
    if not isinstance(config, dict):
        raise CheckFailed(f"docker stack config printed no mapping: {proc.stdout[:200]!r}")
    problems = _undeclared(config)
    if not allow_ignored:
        for name, service in sorted((config.get("services") or {}).items()):
            for key in sorted(set(service) & (UNSUPPORTED_KEYS | DEPRECATED_KEYS)):
                problems.append(f"services.{name}.{key}: docker stack deploy ignores this key")
    if problems:
        raise CheckFailed("; ".join(problems))
    return config
