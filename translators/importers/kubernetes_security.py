"""How a pod's containers run -> the spec's ``security``, ``working_dir``, ``hostname``,
``stop_grace_period`` and ``stop_signal``.

A container's ``securityContext`` overrides its pod's for the fields both have (runAsUser,
runAsGroup, runAsNonRoot); the spec has one ``security`` block per container (the workload's
for the main one, each step's), so a pod-level value lands in every container that does not
set its own.  What the spec does not model (seccompProfile, seLinuxOptions, fsGroup,
supplementalGroups, sysctls, appArmorProfile, procMount, runAsNonRoot without a non-root user)
is left unused, so it stays in ``x-kubernetes`` and the loss report says so.
"""

from __future__ import annotations

from typing import Any, Protocol

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_values import duration, valid

_FLAGS = (("readOnlyRootFilesystem", "read_only_root"), ("privileged", "privileged"))
_DEFAULT_GRACE = 30  # Kubernetes' terminationGracePeriodSeconds when none is given


class _Reader(Protocol):
    m: Manifest
    spec: Path

    def lose(self, path: Path, message: str, kind: str = "dropped", spec_field: str = "") -> None: ...


class PodSecurity:
    """The pod-level fields of one pod template, and whether every container that fell back on
    one of them carried it (only then is the pod's field marked carried over)."""

    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.path: Path = (*reader.spec, "securityContext")
        self.carried: dict[str, bool] = {}

    def _fallback(self, key: str, carried: bool) -> None:
        self.carried[key] = self.carried.get(key, True) and carried

    def pod_fields(self, w: dict[str, Any], main: Path) -> None:
        """hostname, terminationGracePeriodSeconds and the main container's lifecycle.stopSignal."""
        m = self.r.m
        hostname = m.data_at(*self.r.spec, "hostname")
        if hostname is not None and valid("host", hostname) and "." not in hostname:
            m.use(*self.r.spec, "hostname")
            w["hostname"] = hostname
        grace = m.int_at(*self.r.spec, "terminationGracePeriodSeconds")
        if grace is not None and grace >= 0:
            m.use(*self.r.spec, "terminationGracePeriodSeconds")
            if grace != _DEFAULT_GRACE:
                w["stop_grace_period"] = duration(grace)
        signal = m.data_at(*main, "lifecycle", "stopSignal")
        if isinstance(signal, str) and valid("signal", signal):
            m.use(*main, "lifecycle", "stopSignal")
            w["stop_signal"] = signal

    def container(self, c: Path, w: dict[str, Any]) -> None:
        """workingDir and the security block of the container at ``c`` (main or step) into ``w``."""
        m = self.r.m
        working_dir = m.data_at(*c, "workingDir")
        if working_dir is not None and valid("path", working_dir):
            m.use(*c, "workingDir")
            w["working_dir"] = working_dir
        security = self._security(c)
        if security:
            w["security"] = security

    def _security(self, c: Path) -> dict[str, Any]:
        m, own = self.r.m, (*c, "securityContext")
        out: dict[str, Any] = {}
        for key, spec_key in (("runAsUser", "user"), ("runAsGroup", "group")):
            value, where = m.data_at(*own, key), own
            if value is None:
                value, where = m.data_at(*self.path, key), self.path
            if value is None:
                continue
            carried = valid("user", value) and isinstance(value, int)
            if where == own and carried:
                m.use(*own, key)
            elif where == self.path:
                self._fallback(key, carried)
            if carried:
                out[spec_key] = value
        self._non_root(own, out)
        for key, spec_key in _FLAGS:
            value = m.data_at(*own, key)
            if isinstance(value, bool):
                m.use(*own, key)
                if value:
                    out[spec_key] = True
        escalation = m.data_at(*own, "allowPrivilegeEscalation")
        if isinstance(escalation, bool):
            m.use(*own, "allowPrivilegeEscalation")
            if not escalation:
                out["no_new_privileges"] = True
        capabilities = {key: self._capabilities((*own, "capabilities", key)) for key in ("add", "drop")}
        capabilities = {k: v for k, v in capabilities.items() if v}
        if capabilities:
            out["capabilities"] = capabilities
        return out

    def _non_root(self, own: Path, out: dict[str, Any]) -> None:
        """runAsNonRoot: carried when false (the default) or when the user carried is not root;
        true without a user is a check the spec cannot say (left for the loss report)."""
        m = self.r.m
        value, where = m.data_at(*own, "runAsNonRoot"), own
        if value is None:
            value, where = m.data_at(*self.path, "runAsNonRoot"), self.path
        if not isinstance(value, bool):
            return
        user = out.get("user")
        carried = value is False or (isinstance(user, int) and user != 0)
        if where == own and carried:
            m.use(*own, "runAsNonRoot")
        elif where == self.path:
            self._fallback("runAsNonRoot", carried)

    def _capabilities(self, path: Path) -> list[str]:
        m = self.r.m
        names: list[str] = []
        for i, raw in enumerate(m.list_at(*path)):
            name = raw.upper().removeprefix("CAP_") if isinstance(raw, str) else ""
            m.use(*path, i)
            if name and valid("capability", name):
                if name not in names:
                    names.append(name)
            else:
                self.r.lose((*path, i), "not a Linux capability name: not imported", "dropped", "security.capabilities")
        m.use(*path)
        return names

    def finish(self) -> None:
        """Mark the pod-level fields every container carried (the others stay for the loss report)."""
        for key, carried in self.carried.items():
            if carried:
                self.r.m.use(*self.path, key)
