"""The Swarm adapter's connection: docker-py for the API, the docker CLI for ``stack deploy``,
and the one place where their failures become crossdock errors.

Connection settings are the docker CLI's: ``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``,
``DOCKER_CERT_PATH`` (read by ``docker.from_env`` and inherited by the CLI), or a docker
``context`` name (its host and TLS settings for docker-py, ``docker --context`` for the CLI).
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import docker  # type: ignore[import-untyped]  # docker-py ships no type information
import docker.context.config  # type: ignore[import-untyped]
import docker.errors  # type: ignore[import-untyped]
import requests

from crossdock.errors import (
    PlatformError,
    PlatformForbidden,
    PlatformRejected,
    PlatformTimeout,
    PlatformUnauthorized,
    PlatformUnreachable,
)

# Seconds an API call may take; a stack deploy of a large app takes longer (the CLI creates
# each service in turn).
API_TIMEOUT = 60
CLI_TIMEOUT = 300
_UNREACHABLE_HINTS = ("cannot connect", "connection refused", "no such host", "error during connect",
                      "is the docker daemon running", "dial tcp", "dial unix", "tls:", "certificate")


def resolve_context(context: str | None, environ: Mapping[str, str]) -> str | None:
    """The docker context to use, chosen as the docker CLI chooses it: the argument, else none
    when DOCKER_HOST is set, else DOCKER_CONTEXT, else the ``currentContext`` of the docker
    config; ``None`` for the default (DOCKER_* variables or the local socket).  docker-py's
    ``from_env`` alone ignores contexts, and the CLI must reach the same engine as the API."""
    if context:
        return context
    if environ.get("DOCKER_HOST"):
        return None
    name = environ.get("DOCKER_CONTEXT") or docker.context.config.get_current_context_name()
    return None if not name or name == "default" else str(name)


def connect(context: str | None, environ: Mapping[str, str]) -> Any:
    """A client for the engine named by ``context`` or by the DOCKER_* variables in ``environ``.

    Raises PlatformUnreachable (no answer, unknown context, bad TLS files)."""
    with api_errors("connecting to the Docker engine"):
        if context is None:
            return docker.from_env(environment=dict(environ), timeout=API_TIMEOUT)
        ctx = docker.ContextAPI.get_context(context)
        if ctx is None:
            raise PlatformUnreachable(f"docker context {context!r} does not exist (see `docker context ls`)")
        return docker.DockerClient(base_url=ctx.Host, tls=ctx.TLSConfig, timeout=API_TIMEOUT)


def _api_message(e: docker.errors.APIError) -> str:
    return str(e.explanation or e).strip()


def translate(e: Exception, doing: str) -> PlatformError:
    """The crossdock error for a docker-py or requests exception raised while ``doing``."""
    if isinstance(e, docker.errors.APIError):
        code = e.status_code or 0
        msg = _api_message(e)
        if code == 401:
            return PlatformUnauthorized(f"{doing}: the Docker engine refused our credentials: {msg}")
        if code == 403:
            return PlatformForbidden(f"{doing}: not allowed: {msg}")
        if code == 503 and "swarm" in msg.lower():
            return PlatformRejected(f"{doing}: {msg} (run crossdock against a Swarm manager, "
                                    "or `docker swarm init` to make this engine one)")
        return PlatformRejected(f"{doing}: the Docker engine refused: {msg}")
    if isinstance(e, requests.exceptions.Timeout):
        return PlatformTimeout(f"{doing}: the Docker engine did not answer in time ({e.__class__.__name__})")
    if isinstance(e, (requests.exceptions.ConnectionError, ConnectionError)):
        return PlatformUnreachable(f"{doing}: cannot reach the Docker engine ({_short(e)}); "
                                   "check DOCKER_HOST / the docker context and that the engine runs")
    if isinstance(e, docker.errors.TLSParameterError):
        return PlatformUnreachable(f"{doing}: TLS settings are unusable: {e}; check DOCKER_CERT_PATH")
    if isinstance(e, docker.errors.DockerException):
        text = str(e)
        if any(h in text.lower() for h in _UNREACHABLE_HINTS) or "fetching server api version" in text.lower():
            return PlatformUnreachable(f"{doing}: cannot reach the Docker engine ({_short(e)}); "
                                       "check DOCKER_HOST / the docker context and that the engine runs")
        return PlatformError(f"{doing}: {text}")
    if isinstance(e, requests.exceptions.RequestException):
        return PlatformError(f"{doing}: {_short(e)}")
    return PlatformError(f"{doing}: {e.__class__.__name__}: {e}")


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) <= 300 else text[:300] + "..."


@contextmanager
def api_errors(doing: str) -> Iterator[None]:
    """Re-raise any docker-py / requests exception in the block as a crossdock PlatformError."""
    try:
        yield
    except PlatformError:
        raise
    except (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError) as e:
        raise translate(e, doing) from e


def stack_deploy(app: str, stack_file: str, cwd: str, context: str | None, environ: Mapping[str, str]) -> str:
    """Run ``docker stack deploy --resolve-image never -c stack_file app`` in ``cwd``; its output.

    ``--resolve-image never``: Swarm would ask a registry for each tag's digest, which fails
    or slows offline and pins images the spec did not pin.  Raises PlatformUnreachable,
    PlatformUnauthorized, PlatformRejected (with the CLI's message), PlatformTimeout, or
    PlatformError when the docker CLI is missing."""
    argv = ["docker"] + (["--context", context] if context else []) + [
        "stack", "deploy", "--resolve-image", "never", "-c", stack_file, app]
    # The engine is named by ``environ`` (or ``context``) alone, as for the API client.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_") or k == "DOCKER_CONFIG"}
    env |= dict(environ)
    if context:
        env.pop("DOCKER_HOST", None)  # the CLI refuses --context together with DOCKER_HOST
        env.pop("DOCKER_CONTEXT", None)
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT,
                              check=False)
    except FileNotFoundError as e:
        raise PlatformError("the docker CLI is not on PATH: crossdock's Swarm deploy runs "
                            "`docker stack deploy` (install the docker CLI)") from e
    except subprocess.TimeoutExpired as e:
        raise PlatformTimeout(f"`docker stack deploy {app}` did not finish in {CLI_TIMEOUT}s") from e
    if proc.returncode == 0:
        return proc.stdout
    text = (proc.stderr.strip() or proc.stdout.strip())[-2000:]
    lower = text.lower()
    if any(h in lower for h in _UNREACHABLE_HINTS):
        raise PlatformUnreachable(f"`docker stack deploy {app}`: cannot reach the Docker engine: {text}")
    if "unauthorized" in lower or "401" in lower:
        raise PlatformUnauthorized(f"`docker stack deploy {app}`: {text}")
    raise PlatformRejected(f"`docker stack deploy {app}` failed: {text}")


def call(doing: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with its docker-py exceptions translated."""
    with api_errors(doing):
        return fn(*args, **kwargs)
