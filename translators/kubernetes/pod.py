"""The pod template of a workload: containers, volumes, probes, placement.

Shared by Deployments, StatefulSets, Jobs and CronJobs.  Everything a template needs is
computed here; the templates only loop and branch.

Kubernetes expands ``$(NAME)`` and reduces ``$$`` to ``$`` in a container's env values,
command and args, and in exec probe commands (the kubelet's ``ExpandContainerCommandOnlyStatic``),
so every ``$`` in those is doubled: the container sees the spec's bytes.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Literal, Mapping

from crossdock.specs.model import App, Job, Probe, Resources, Service, Step, Workload
from crossdock.specs.types import duration_seconds
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report
from crossdock.translators.kubernetes.security import (
    SecurityView, grace_seconds, pod_hostname, security_context,
)

SECRET_KEY = "value"  # the key that holds a secret's value, rendered or external
CONFIG_HASH = "crossdock/config-hash"


# A label value by the API server's rule (apimachinery IsValidLabelValue).
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


def label_value(text: str) -> bool:
    """Whether the API server accepts ``text`` as a label value, as it checks nodeSelector values."""
    return len(text) <= 63 and _LABEL_VALUE.fullmatch(text) is not None


def unexpand(text: str) -> str:
    """Text that Kubernetes' $(VAR) expansion turns back into ``text``."""
    return text.replace("$", "$$")


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None = None  # a plain value, already escaped for $(VAR) expansion
    secret: str | None = None  # or the name of the Secret holding it (key SECRET_KEY)


@dataclass(frozen=True)
class Mount:
    name: str
    path: str
    sub_path: str | None
    read_only: bool


@dataclass(frozen=True)
class ProbeView:
    kind: Literal["http", "tcp", "exec"]
    path: str
    port: int | str
    command: list[str]
    period: int
    timeout: int
    failure: int
    initial_delay: int


@dataclass(frozen=True)
class PortView:
    name: str
    port: int
    protocol: str


@dataclass(frozen=True)
class ContainerView:
    name: str
    image: str
    command: list[str] | None
    args: list[str] | None
    env: list[EnvVar]
    requests: dict[str, str]
    limits: dict[str, str]
    ports: list[PortView] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    liveness: ProbeView | None = None
    readiness: ProbeView | None = None
    startup: ProbeView | None = None
    restart_policy: str | None = None  # "Always" makes an init container a native sidecar
    working_dir: str | None = None
    security: SecurityView | None = None


@dataclass(frozen=True)
class KeyItem:
    key: str
    path: str
    mode: int | None


@dataclass(frozen=True)
class VolumeView:
    name: str
    kind: Literal["configMap", "secret", "claim", "emptyDir"]
    source: str = ""  # ConfigMap, Secret or claim name
    items: list[KeyItem] = field(default_factory=list)
    size_limit: str | None = None


@dataclass(frozen=True)
class PodView:
    labels: dict[str, str]
    annotations: dict[str, str]
    restart_policy: str
    init_containers: list[ContainerView]
    containers: list[ContainerView]
    volumes: list[VolumeView]
    node_selector: dict[str, str]
    spread: list[str]
    selector: dict[str, str]
    hostname: str | None = None
    termination_grace: int | None = None


def config_key(path: str, index: int, used: set[str]) -> str:
    """A ConfigMap key for a file: its base name, made a valid key ([-._a-zA-Z0-9]+, <= 253)."""
    base = path.rsplit("/", 1)[-1]
    key = "".join(c if (c.isascii() and (c.isalnum() or c in "-._")) else "-" for c in base)[:200]
    if key in ("", ".", "..") or key in used:
        key = f"file-{index}" + (f"-{key}" if key.strip(".") else "")
    used.add(key)
    return key


def config_files(spec_files: Mapping[tuple[str, str, int], str], section: str, name: str,
                 w: Workload) -> tuple[dict[str, str], list[tuple[str, str, int | None]]]:
    """(ConfigMap data, [(key, mount path, mode)]) for a workload's config files."""
    data: dict[str, str] = {}
    mounts: list[tuple[str, str, int | None]] = []
    used: set[str] = set()
    for i, f in enumerate(w.files):
        key = config_key(f.path, i, used)
        data[key] = f.content if f.content is not None else spec_files[(section, name, i)]
        mounts.append((key, f.path, f.mode))
    return data, mounts


def config_hash(data: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for key in sorted(data):
        digest.update(f"{len(key)}:{key}{len(data[key])}:{data[key]}".encode())
    return digest.hexdigest()


class PodBuilder:
    """Builds the pod template of one workload, noting what Kubernetes changes."""

    def __init__(self, app: App, report: Report, files: Mapping[tuple[str, str, int], str]) -> None:
        self.app = app
        self.report = report
        self.files = files

    def build(self, section: str, name: str, w: Workload, labels: dict[str, str],
              selector: dict[str, str], restart_policy: str, claims: set[str]) -> PodView:
        """``claims``: volumes this workload mounts from its StatefulSet's volumeClaimTemplates."""
        where: Path = (section, name)
        reserved = {v.volume for v in w.volumes if v.volume}
        volumes: list[VolumeView] = []
        mounts: list[Mount] = []

        def fresh(base: str) -> str:
            n = base
            while n in reserved:
                n = "cd-" + n
            reserved.add(n)
            return n

        data, file_mounts = config_files(self.files, section, name, w)
        annotations: dict[str, str] = {}
        if file_mounts:
            vol = fresh("files")
            cm = f"{name}-files"
            volumes.append(VolumeView(vol, "configMap", cm, [KeyItem(k, k, m) for k, _, m in file_mounts]))
            mounts += [Mount(vol, p, k, True) for k, p, _ in file_mounts]
            annotations[CONFIG_HASH] = config_hash(data)
        for i, s in enumerate(w.secrets):
            if s.path is None:
                continue
            vol = fresh(f"secret-{i}")
            volumes.append(VolumeView(vol, "secret", s.secret, [KeyItem(SECRET_KEY, SECRET_KEY, s.mode)]))
            mounts.append(Mount(vol, s.path, SECRET_KEY, True))
        named: set[str] = set()
        for i, v in enumerate(w.volumes):
            if v.volume is not None:
                if v.volume not in claims and v.volume not in named:
                    volumes.append(VolumeView(v.volume, "claim", v.volume))
                named.add(v.volume)
                mounts.append(Mount(v.volume, v.path, None, v.read_only))
            else:
                vol = fresh(f"scratch-{i}")
                volumes.append(VolumeView(vol, "emptyDir", size_limit=v.size))
                mounts.append(Mount(vol, v.path, None, v.read_only))

        main = self._container(name, w.image, w.command, w.args, self._env(w), w.resources)
        health = w.health if isinstance(w, Service) else None
        main = replace(
            main, mounts=mounts,
            ports=[PortView(p.name, p.container_port, p.protocol.upper()) for p in getattr(w, "ports", [])],
            liveness=self._probe(where, "liveness", health.liveness if health else None),
            readiness=self._probe(where, "readiness", health.readiness if health else None),
            startup=self._probe(where, "startup", health.startup if health else None),
            working_dir=w.working_dir, security=security_context(w.security, where, self.report))
        init = [self._step(s, (*where, "init", i)) for i, s in enumerate(w.init)]
        steps = w.sidecars if isinstance(w, (Service, Job)) else []
        sidecars = [self._step(s, (*where, "sidecars", i)) for i, s in enumerate(steps)]
        containers = [main]
        if isinstance(w, Service):
            containers += sidecars
        elif isinstance(w, Job):
            # Native sidecars (init containers with restartPolicy Always, GA in 1.33): they are
            # restarted while the pod runs and stopped when the main container completes, so the
            # Job completes.  Listed first, so that they are up while the init steps run (Nomad
            # starts its prestart sidecars together with the init steps).
            init = [*(replace(s, restart_policy="Always") for s in sidecars), *init]
        if w.stop_signal is not None:
            self.report.note("stop_signal", (*where, "stop_signal"))
        placement = w.placement
        return PodView(
            labels=labels, annotations=annotations, restart_policy=restart_policy,
            init_containers=init, containers=containers,
            volumes=volumes,
            node_selector={k: v for k, v in sorted(placement.constraints.items()) if label_value(v)}
            if placement else {},
            spread=list(placement.spread) if placement else [], selector=selector,
            hostname=pod_hostname(w, where, self.report, bool(claims)),
            termination_grace=grace_seconds(w, where, self.report))

    def _env(self, w: Workload) -> list[EnvVar]:
        env = [EnvVar(k, unexpand(v)) for k, v in w.env.items()]
        env += [EnvVar(s.env, secret=s.secret) for s in w.secrets if s.env]
        return sorted(env, key=lambda e: e.name)

    def _step(self, s: Step, path: Path) -> ContainerView:
        env = sorted((EnvVar(k, unexpand(v)) for k, v in s.env.items()), key=lambda e: e.name)
        return replace(self._container(s.name, s.image, s.command, s.args, env, s.resources),
                       working_dir=s.working_dir, security=security_context(s.security, path, self.report))

    @staticmethod
    def _container(name: str, image: str, command: list[str] | None, args: list[str] | None,
                   env: list[EnvVar], resources: Resources | None) -> ContainerView:
        def amounts(which: str) -> dict[str, str]:
            a = getattr(resources, which) if resources else None
            return {k: v for k, v in (("cpu", a.cpu if a else None), ("memory", a.memory if a else None)) if v}
        return ContainerView(
            name=name, image=image,
            command=[unexpand(c) for c in command] if command is not None else None,
            args=[unexpand(a) for a in args] if args is not None else None,
            env=env, requests=amounts("requests"), limits=amounts("limits"))

    def _probe(self, where: Path, kind: str, probe: Probe | None) -> ProbeView | None:
        if probe is None:
            return None
        path: Path = (*where, "health", kind)
        feature = f"health_{kind}"
        self.report.note(feature, path)
        check: Literal["http", "tcp", "exec"] = "http" if probe.http else "tcp" if probe.tcp else "exec"
        self.report.note(f"health_{check}", (*path, check))
        # Kubernetes counts probe times in whole seconds; periodSeconds and timeoutSeconds >= 1.
        seconds: dict[str, int] = {}
        for field_name, minimum in (("interval", 1), ("timeout", 1), ("start_period", 0)):
            text: str = getattr(probe, field_name)
            exact = duration_seconds(text)
            seconds[field_name] = max(minimum, math.ceil(exact))
            if seconds[field_name] != exact:
                self.report.note(feature, (*path, field_name),
                                 f"Kubernetes counts probe times in whole seconds: {text} becomes "
                                 f"{seconds[field_name]}s")
        target = probe.http or probe.tcp
        return ProbeView(
            kind=check, path=probe.http.path if probe.http else "",
            port=target.port if target else 0,
            command=[unexpand(c) for c in probe.exec] if probe.exec else [],
            period=seconds["interval"], timeout=seconds["timeout"], failure=probe.retries,
            initial_delay=seconds["start_period"])
