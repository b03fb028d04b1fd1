"""The adapter protocol: the only code that talks to a platform.

Each adapter takes what a translator produced (a ``Bundle``) and the loaded spec, and returns
platform-neutral results (``adapters.model``).  Every client exception is re-raised as a
``crossdock.errors.PlatformError`` subclass, chained with ``from e``: no ``ApiException``,
``docker.errors.APIError``, ``nomad.api.exceptions.*`` or ``requests`` exception leaves an
adapter.  Adapters never print; progress goes through the ``progress`` callback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator, Protocol

from crossdock.adapters.model import AppStatus, Plan

if TYPE_CHECKING:  # annotations only: status, logs and destroy by app name load no spec model
    from crossdock.specs.loader import LoadedSpec
    from crossdock.translators.base import Bundle

Progress = Callable[[AppStatus], None]


class Adapter(Protocol):
    target: str  # the registered target's name
    last_lock_note: str | None  # set when the last deploy took over a stale lock (adapters.lock)

    def plan(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """What ``deploy`` would change (server-side dry run where the platform has one).

        Raises PlatformError."""
        ...

    def deploy(self, spec: LoadedSpec, bundle: Bundle) -> Plan:
        """Create or update everything in ``bundle``, prune what the spec no longer has (by
        ownership labels); returns what changed (empty when nothing did). Raises PlatformError."""
        ...

    def status(self, app: str) -> AppStatus:
        """The app's status with a constant number of API calls. Raises PlatformError."""
        ...

    def wait(self, app: str, timeout: float, progress: Progress | None = None) -> AppStatus:
        """Poll until the app is ready. Raises DeployFailed (naming each failing workload and
        the platform's reason) when ``timeout`` seconds pass, PlatformError otherwise."""
        ...

    def destroy(self, app: str) -> list[str]:
        """Remove exactly what crossdock created for ``app`` (found by its ownership labels)
        and wait until it is gone; returns what was removed. Raises PlatformError."""
        ...

    def logs(self, app: str, workload: str, follow: bool = False) -> Iterator[str]:
        """The workload's container log lines. Raises PlatformError."""
        ...
