"""The crossdock app spec (``apiVersion: crossdock/v1``) as a typed model.

The model is the contract: ``crossdock schema`` prints the JSON Schema generated from it, and
the loader validates against it.  It knows nothing of Kubernetes, Swarm or Nomad; an
``x-<target>`` block (one per registered target, ``crossdock.targets``) is an opaque mapping
that only that target's translator reads (``extension(target)``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crossdock.specs.rules import exactly_one, given, one_of, requires, rules
from crossdock.specs.schedule import Cron, Timezone
from crossdock.specs.types import (
    AbsPath, Alias, AppName, Bool, Capability, Count, Cpu, Duration, EnvKey, EnvName, EnvValue,
    FileMode, Hostname, HttpPath, Image, LabelKey, LabelValue, Memory, ObjectName, Percent, Port, PortName,
    PortRef, PositiveCount, Replicas, Signal, Size, Text, UserRef, WorkloadName,
)
from crossdock.specs.xblocks import XBlock, mark_unknown

API_VERSION = "crossdock/v1"


class _Model(BaseModel):
    # defer_build: a model's validator is built when first used, not at import.  Loading builds
    # App's only (it covers the nested models); building each nested model's own validator too
    # cost ~10 ms of every CLI run.
    # No populate_by_name: a spec spells `apiVersion` and `x-kubernetes`, never the Python names,
    # as the schema says.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class _Extensible(_Model):
    """Blocks merged verbatim into one target's output: the escape hatch, ``x-<target>``, taken
    as extra keys (specs/xblocks.py says why and how the other keys are still refused)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, XBlock] = Field(init=False)
    _keys: ClassVar[dict[type, frozenset[str]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _mark_unknown(cls, data: Any) -> Any:
        known = cls._keys.get(cls)
        if known is None:
            known = cls._keys[cls] = frozenset(f.alias or n for n, f in cls.model_fields.items())
        return mark_unknown(data, known)

    def extension(self, target: str) -> dict[str, Any] | None:
        """The spec's ``x-<target>`` block here, None when it has none."""
        extra = self.__pydantic_extra__
        return extra.get(f"x-{target}") if extra else None

    def extensions(self) -> dict[str, dict[str, Any]]:
        """Every non-empty ``x-<target>`` block here, by target name."""
        return {k[2:]: v for k, v in (self.__pydantic_extra__ or {}).items() if v}


class Metadata(_Model):
    name: AppName
    labels: dict[LabelKey, LabelValue] = {}
    annotations: dict[LabelKey, Text] = {}


class SecretDef(_Model):
    """A named secret: its value comes from an env var, a file, or is already on the platform."""

    model_config = rules(one_of("from_env", "from_file", "external", flags=("external",)))

    from_env: EnvName | None = None
    from_file: Text | None = None
    external: Bool = False
    description: Text | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretDef:
        exactly_one(self, ("from_env", "from_file", "external"), "as the secret's source")
        return self


class VolumeDef(_Model):
    """A named persistent volume. ``per_replica`` gives each replica its own copy."""

    size: Size = "1Gi"
    per_replica: Bool = False
    storage_class: Text | None = None


class SecretMount(_Model):
    model_config = rules(one_of("env", "path"), requires("mode", "path"))

    secret: ObjectName
    env: EnvKey | None = None
    path: AbsPath | None = None
    mode: FileMode | None = None

    @model_validator(mode="after")
    def _one_target(self) -> SecretMount:
        exactly_one(self, ("env", "path"), "to say how the secret is delivered")
        if self.mode is not None and self.path is None:
            raise ValueError("'mode' applies only to a secret delivered as a file ('path')")
        return self


class ConfigFile(_Model):
    model_config = rules(one_of("content", "file"))

    path: AbsPath
    content: Text | None = None
    file: Text | None = None
    mode: FileMode | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ConfigFile:
        exactly_one(self, ("content", "file"), "as the file's content")
        return self


class VolumeMount(_Model):
    model_config = rules(one_of("volume", "scratch", flags=("scratch",)), requires("size", "scratch", flag=True))

    path: AbsPath
    volume: ObjectName | None = None
    scratch: Bool = False
    size: Size | None = None
    read_only: Bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> VolumeMount:
        exactly_one(self, ("volume", "scratch"), "(a named volume or scratch space)")
        if self.size is not None and not self.scratch:
            raise ValueError("'size' applies only to scratch space; a named volume's size is set under volumes:")
        return self


class PortSpec(_Model):
    model_config = rules(requires("published_port", "publish", flag=True))

    """One port of a service.

    ``port`` is the number other workloads of the app (and a route) use to reach the service;
    ``target_port`` the one the container listens on, when it differs (a Kubernetes Service's
    ``port`` and ``targetPort``: Online Boutique's emailservice is called on 5000 and listens on
    8080).  A published port, and a health check given by number, reach the container port.
    """

    name: PortName
    port: Port
    target_port: Port | None = None
    protocol: Literal["tcp", "udp"] = "tcp"
    publish: Bool = False
    published_port: Port | None = None

    @property
    def container_port(self) -> int:
        """The port the container listens on: ``target_port``, else ``port``."""
        return int(self.target_port if self.target_port is not None else self.port)  # Port is Any to mypy

    @model_validator(mode="after")
    def _published(self) -> PortSpec:
        if self.published_port is not None and not self.publish:
            raise ValueError("'published_port' is set but 'publish' is false")
        return self


class HttpCheck(_Model):
    path: HttpPath = "/"
    port: PortRef


class TcpCheck(_Model):
    port: PortRef


class Probe(_Model):
    model_config = rules(one_of("http", "tcp", "exec"))

    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    exec: list[Text] | None = Field(None, min_length=1)
    interval: Duration = "10s"
    timeout: Duration = "1s"
    retries: PositiveCount = 3
    start_period: Duration = "0s"

    @model_validator(mode="after")
    def _one_kind(self) -> Probe:
        exactly_one(self, ("http", "tcp", "exec"), "as the check")
        return self


class Health(_Model):
    liveness: Probe | None = None
    readiness: Probe | None = None
    startup: Probe | None = None


class Amounts(_Model):
    cpu: Cpu | None = None
    memory: Memory | None = None


class Resources(_Model):
    requests: Amounts = Amounts()
    limits: Amounts = Amounts()


class Autoscale(_Model):
    # The one rule of the spec that compares two values: JSON Schema cannot state it, so only
    # the loader enforces it (test_schema lists it among its exceptions).
    model_config = ConfigDict(json_schema_extra={"description": "min <= max is checked by crossdock, not by "
                                                 "this schema: JSON Schema cannot compare two values."})

    min: PositiveCount
    max: PositiveCount
    cpu_target: Percent = 80

    @model_validator(mode="after")
    def _range(self) -> Autoscale:
        if self.max < self.min:
            raise ValueError(f"expected max >= min, got min {self.min} and max {self.max}")
        return self


class UpdatePolicy(_Model):
    """How a new version replaces the old one.

    parallelism: replicas replaced at a time; surge: extra replicas started above the desired
    count during an update (0 stops an old one first); wait_healthy: each new replica must pass
    its health checks before the next step; deadline: how long a replica may take to become
    healthy before the update counts as failed; auto_rollback: go back to the previous version
    when an update fails.
    """

    parallelism: PositiveCount = 1
    surge: Count = 1
    wait_healthy: Bool = True
    min_ready: Duration = "0s"
    deadline: Duration = "5m"
    auto_rollback: Bool = False


class Placement(_Model):
    constraints: dict[LabelKey, Text] = {}
    spread: list[LabelKey] = []


class Capabilities(_Model):
    add: list[Capability] = []
    drop: list[Capability] = []


class Security(_Model):
    """How a container runs: as whom, with which privileges.

    user/group: a numeric id or a name; read_only_root: the container's root filesystem is
    read-only (volumes and scratch space stay writable); capabilities: Linux capabilities added
    to or dropped from the runtime's default set (ALL for every one); privileged: full access to
    the host's devices; no_new_privileges: a process cannot gain privileges (setuid) it did not
    start with.
    """

    user: UserRef | None = None
    group: UserRef | None = None
    read_only_root: Bool = False
    capabilities: Capabilities | None = None
    privileged: Bool = False
    no_new_privileges: Bool = False


class Step(_Model):
    """An init step or a sidecar: a second container beside the main one."""

    name: WorkloadName
    image: Image
    command: list[Text] | None = None
    args: list[Text] | None = None
    env: dict[EnvKey, EnvValue] = {}
    resources: Resources | None = None
    working_dir: AbsPath | None = None
    security: Security | None = None


class Route(_Model):
    host: Hostname
    path: HttpPath = "/"
    port: PortRef


class _Workload(_Extensible):
    image: Image
    command: list[Text] | None = None
    args: list[Text] | None = None
    env: dict[EnvKey, EnvValue] = {}
    secrets: list[SecretMount] = []
    files: list[ConfigFile] = []
    volumes: list[VolumeMount] = []
    resources: Resources | None = None
    labels: dict[LabelKey, LabelValue] = {}
    placement: Placement | None = None
    init: list[Step] = []
    depends_on: list[WorkloadName] = []
    working_dir: AbsPath | None = None
    hostname: Hostname | None = None
    security: Security | None = None
    # How long the platform waits after stop_signal (default SIGTERM) before it kills the
    # container.
    stop_grace_period: Duration | None = None
    stop_signal: Signal | None = None


class Service(_Workload):
    """A long-running workload."""

    model_config = rules({"not": {"allOf": [given("replicas"), given("autoscale")]}},
                          {"if": {"required": ["mode"], "properties": {"mode": {"const": "per_node"}}},
                           "then": {"not": {"anyOf": [given("replicas"), given("autoscale")]}}})

    # replicated: `replicas` copies wherever the platform places them; per_node: one copy on
    # every node that matches the placement (a DaemonSet, a Swarm global service, a Nomad
    # system job).
    mode: Literal["replicated", "per_node"] = "replicated"
    # Other names this service answers to on the app's network (a compose container_name or
    # network alias other workloads use), beside its own name.
    aliases: list[Alias] = []
    ports: list[PortSpec] = []
    health: Health | None = None
    replicas: Replicas | None = None
    autoscale: Autoscale | None = None
    restart: Literal["always", "on-failure"] = "always"
    update: UpdatePolicy = UpdatePolicy()
    sidecars: list[Step] = []
    route: Route | None = None

    @model_validator(mode="after")
    def _scale(self) -> Service:
        if self.replicas is not None and self.autoscale is not None:
            raise ValueError("set either 'replicas' or 'autoscale', not both")
        if self.mode == "per_node" and (self.replicas is not None or self.autoscale is not None):
            raise ValueError("mode 'per_node' runs one replica on each node: it takes neither 'replicas' "
                             "nor 'autoscale'")
        return self


class Job(_Workload):
    """A workload that runs to completion."""

    restart: Literal["on-failure", "never"] = "never"
    retries: Count = 0
    deadline: Duration | None = None
    completions: PositiveCount = 1
    parallelism: PositiveCount = 1
    # Containers that run beside the main one and are stopped when it completes.
    sidecars: list[Step] = []


class CronJob(Job):
    """A job started on a schedule."""

    schedule: Cron
    timezone: Timezone | None = None
    concurrency: Literal["allow", "forbid", "replace"] = "forbid"
    suspend: Bool = False


class App(_Extensible):
    """One application: its services, jobs and cron jobs, and what they share."""

    api_version: Literal["crossdock/v1"] = Field(alias="apiVersion")
    kind: Literal["App"]
    metadata: Metadata
    variables: dict[EnvName, EnvValue] = {}
    secrets: dict[ObjectName, SecretDef] = {}
    volumes: dict[ObjectName, VolumeDef] = {}
    services: dict[WorkloadName, Service] = {}
    jobs: dict[WorkloadName, Job] = {}
    cron_jobs: dict[WorkloadName, CronJob] = {}
    # Applied by the loader before validation (`--env NAME`) and removed from the result.
    environments: dict[AppName, dict[str, Any]] = Field({}, exclude=True)

    @property
    def name(self) -> str:
        return str(self.metadata.name)

    def workloads(self) -> list[tuple[str, str, _Workload]]:
        """(section, name, workload) for every workload, in a stable order."""
        out: list[tuple[str, str, _Workload]] = []
        for section in ("services", "jobs", "cron_jobs"):
            items: dict[str, _Workload] = getattr(self, section)
            out.extend((section, n, items[n]) for n in sorted(items))
        return out


Workload = _Workload
