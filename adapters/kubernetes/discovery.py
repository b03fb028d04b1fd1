"""Where the API server serves each kind, as its discovery API says: the resource name (plural)
and whether it is namespaced, for the built-in kinds crossdock renders and for any kind an
escape-hatch ``resources`` entry or a CRD adds.

Discovery is read the way kubectl reads it: the aggregated discovery documents (``/api`` and
``/apis`` with ``Accept: ...;as=APIGroupDiscoveryList``, GA since Kubernetes 1.30) describe
every resource of the cluster in two requests; an older server answers the plain group lists,
and then the one resource list of each group-version asked for is read (``/apis/<g>/<v>``).
What was read is kept for the life of the process, per API server: a command reads discovery
once, however many kinds it resolves.  A kind not found is looked up once more after
re-reading (a CRD installed since), then refused with a message naming it (and not looked up
again in that process).

The ``DynamicClient`` of the kubernetes package resolves kinds the same way, but it writes its
discovery cache to a file in the temporary folder on every start and reads it back in later
processes without knowing whether the cluster changed; a per-process cache is as fast here (a
command is one process) and leaves nothing behind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from crossdock.errors import PlatformRejected

# Aggregated discovery first (v2, then the v2beta1 of Kubernetes 1.26-1.29), plain JSON last.
AGGREGATED = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


@dataclass(frozen=True)
class Kind:
    """Where the API serves one kind: ``/<prefix>/[namespaces/<ns>/]<plural>``."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool = True

    @property
    def prefix(self) -> str:
        return f"/api/{self.api_version}" if "/" not in self.api_version else f"/apis/{self.api_version}"

    def path(self, namespace: str, name: str | None = None) -> str:
        base = f"{self.prefix}/namespaces/{namespace}/{self.plural}" if self.namespaced else \
            f"{self.prefix}/{self.plural}"
        return base if name is None else f"{base}/{name}"


# (path, Accept) -> the decoded JSON answer; raises PlatformError.
Fetch = Callable[[str, str], Any]
_Table = dict[tuple[str, str], Kind]


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def parse_aggregated(doc: Any) -> _Table | None:
    """The kinds of an ``APIGroupDiscoveryList``; None when ``doc`` is not one (an older server
    answered the plain ``APIVersions`` / ``APIGroupList``)."""
    if not isinstance(doc, dict) or doc.get("kind") != "APIGroupDiscoveryList":
        return None
    out: _Table = {}
    for group in doc.get("items") or []:
        name = str((group.get("metadata") or {}).get("name") or "")
        for version in group.get("versions") or []:
            gv = _group_version(name, str(version.get("version")))
            for r in version.get("resources") or []:
                kind = (r.get("responseKind") or {}).get("kind")
                if kind and (gv, kind) not in out:
                    out[(gv, str(kind))] = Kind(gv, str(kind), str(r["resource"]), r.get("scope") != "Cluster")
    return out


def parse_resource_list(api_version: str, doc: Any) -> _Table:
    """The kinds of one group-version's ``APIResourceList`` (subresources like ``pods/log`` left out)."""
    out: _Table = {}
    for r in (doc or {}).get("resources") or []:
        name, kind = str(r.get("name", "")), r.get("kind")
        if kind and "/" not in name and (api_version, kind) not in out:
            out[(api_version, str(kind))] = Kind(api_version, str(kind), name, bool(r.get("namespaced")))
    return out


class Discovery:
    """The kinds one API server serves, read through the ``fetch`` given when first needed
    (the connection asking, so that a closed client of an earlier command is never used)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kinds: _Table = {}
        self._aggregated: bool | None = None  # None: not read yet
        self._read: set[str] = set()  # group-versions read one by one (older servers)
        self._missing: set[tuple[str, str]] = set()  # not served, even after reading again

    def kind(self, fetch: Fetch, api_version: str, kind: str) -> Kind:
        """Where ``kind`` of ``api_version`` is served.  Raises PlatformRejected when the server
        does not serve it, PlatformError when discovery fails."""
        found = self.find(fetch, api_version, kind)
        if found is None:
            raise PlatformRejected(
                f"the Kubernetes API server does not serve kind {kind} in apiVersion {api_version} "
                f"(`kubectl api-resources` lists what it serves; a custom resource needs its CRD installed first)")
        return found

    def find(self, fetch: Fetch, api_version: str, kind: str) -> Kind | None:
        """Like ``kind``, None when the server does not serve it."""
        with self._lock:
            key = (api_version, kind)
            if key in self._kinds or key in self._missing:
                return self._kinds.get(key)
            fresh = self._aggregated is None
            self._load(fetch, api_version, refresh=False)
            if key not in self._kinds and not fresh:
                self._load(fetch, api_version, refresh=True)  # a CRD installed since the last read
            if key not in self._kinds:
                self._missing.add(key)  # a status polled in a loop does not read discovery each time
            return self._kinds.get(key)

    def _load(self, fetch: Fetch, api_version: str, refresh: bool) -> None:
        if self._aggregated is None or (refresh and self._aggregated):
            core, groups = parse_aggregated(fetch("/api", AGGREGATED)), None
            if core is not None:
                groups = parse_aggregated(fetch("/apis", AGGREGATED))
            self._aggregated = core is not None and groups is not None
            if core is not None and groups is not None:
                self._kinds = {**core, **groups}
                return
        if self._aggregated:
            return
        if refresh or api_version not in self._read:
            prefix = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
            try:
                listed = fetch(prefix, "application/json")
            except PlatformRejected:
                listed = None  # 404: the server has no such group-version
            self._read.add(api_version)
            self._kinds.update(parse_resource_list(api_version, listed))


_CACHE: dict[str, Discovery] = {}
_CACHE_LOCK = threading.Lock()


def for_server(server: str) -> Discovery:
    """The process's discovery of the API server at ``server`` (its URL)."""
    with _CACHE_LOCK:
        found = _CACHE.get(server)
        if found is None:
            found = _CACHE[server] = Discovery()
        return found
