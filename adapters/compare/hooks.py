"""What `crossdock compare` needs from a target beyond its translator: the target's ``compare``
factory (``crossdock.targets.Target.compare``) returns one ``CompareHooks`` per run.

The factory takes the user's ``Connection`` and must do no I/O and never fail: the static
comparison and the report's charts call it with an empty ``Connection()`` for the methods that
read a rendered bundle or give the chart colour, and a live run reaches the platform only
through ``versions``, ``adapter`` and ``endpoint``.  The engine calls, in this order:
``versions`` (the platform answers; the run is prepared), then the scenarios through
``adapter``, ``endpoint`` and ``kill_filters``, then ``adapter.destroy`` and ``cleanup``,
which is also called when ``versions`` failed or was interrupted halfway.

A target registered without a ``compare`` factory still gets the static comparison, with
its files counted as they are (``bundle.files``, one object per file), and is listed by a
live run as not measured, with that reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: the registry loads this module without any layer
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.compare.reach import Endpoint
    from crossdock.translators.base import Bundle


class CompareHooks(Protocol):
    @property
    def adapter(self) -> Adapter:
        """The adapter the scenarios deploy, watch and destroy with (made on first use, in the
        namespace ``versions`` chose)."""
        ...

    @property
    def color(self) -> str:
        """The target's colour in the report's charts, ``#rrggbb``: its lines and bars."""
        ...

    @property
    def namespace(self) -> str | None:
        """Where the run's objects live, as the report says it (after ``versions``); None for a
        target whose runs need no namespace of their own."""
        ...

    def versions(self, own_namespace: str) -> dict[str, str]:
        """The platform's versions as the platform reports them (label -> text, for the
        report), after checking that it can run the app: a target whose object names could
        collide with the user's app in a shared namespace creates one called
        ``own_namespace`` for the run when the user named none, which ``cleanup`` removes.
        Raises CrossdockError (any exception means: not reachable, said as the reason)."""
        ...

    def cleanup(self) -> list[str]:
        """Remove what ``versions`` prepared (the app itself is the adapter's ``destroy``);
        returns what could not be removed, one line each, as the report's leftovers.  Safe
        after a ``versions`` that failed or stopped halfway."""
        ...

    def endpoint(self, app: str, service: str, port: int, port_name: str | None, probe_path: str) -> Endpoint:
        """How this machine calls the deployed ``service`` of ``app`` on its container
        ``port`` (named ``port_name``) over HTTP; ``probe_path`` is what the prober will ask
        for, for a target that must try a route before choosing it.
        Raises NotReachable (saying why), PlatformError."""
        ...

    def kill_filters(self, instance: str, container: str) -> list[dict[str, Any]]:
        """Docker Engine ``containers(filters=...)`` filters that find the running ``container``
        of one instance (a task, a pod, an allocation, as the adapter's status names it), tried
        in order, for the heal scenario's SIGKILL from outside the orchestrator."""
        ...

    def config_files(self, bundle: Bundle) -> dict[str, str]:
        """The files of ``bundle`` a person would deploy (path -> text): a second form of the
        same object (Nomad's JSON twin of an HCL job) is left out, so it is not counted twice."""
        ...

    def count_objects(self, bundle: Bundle) -> int:
        """How many platform objects ``bundle`` creates (documents, stack entries, job blocks),
        read from the rendered files."""
        ...
