"""What a Swarm service mounts: configs, secrets and volumes, top-level and per service.

- Config files become top-level ``configs`` read from ``./configs/<workload>-<index>-<name>``
  (files the bundle carries next to the stack file), named ``<app>_<workload>-<index>-<hash8>``
  so that changed content rolls out as a new config: Swarm configs are immutable.  Swarm
  refuses an empty config, so an empty file is carried as the Go template ``{{""}}`` with
  ``template_driver: golang``, which Swarm renders to zero bytes in the container.
- Secrets are all declared ``external`` with ``name: <app>_<secret>``: a stack file cannot
  carry a value without writing it to disk; `crossdock deploy` (or ``docker secret create``)
  creates the ones whose value the spec has.  A secret wanted as an env var is mounted at
  ``/run/secrets/<secret>`` and ``<ENV>_FILE`` holds that path.
- Named volumes are declared with ``name: <app>_<volume>`` (the stack's own default when the
  stack is named after the app); a per-replica volume is named ``<app>_<volume>-{{.Task.Slot}}``,
  a Swarm service template that gives each replica slot its own volume.  Scratch space is a
  tmpfs mount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crossdock.specs import names
from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import Workload
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report
from crossdock.translators.filters import go_template_literal
from crossdock.translators.swarm import units

EMPTY_FILE_TEMPLATE = '{{""}}'
# swarmkit refuses a config of this many bytes or more (controlapi.MaxConfigSize, 1000 KiB).
CONFIG_MAX = 1000 * 1024
SECRETS_DIR = "/run/secrets"


@dataclass(frozen=True)
class FileRef:
    """A service's long-syntax reference to a config or secret."""

    source: str
    target: str
    mode: int | None


@dataclass(frozen=True)
class ConfigView:
    key: str
    name: str
    file: str  # relative to the stack file
    content: str  # what the bundle carries at configs/<file>
    template_driver: str | None


@dataclass(frozen=True)
class SecretView:
    key: str
    name: str


@dataclass(frozen=True)
class VolumeView:
    key: str
    name: str


@dataclass(frozen=True)
class MountView:
    type: Literal["volume", "tmpfs"]
    target: str
    source: str | None = None
    read_only: bool = False
    size: int | None = None


@dataclass
class Mounts:
    """What one workload mounts, and the env vars that point at its secrets."""

    configs: list[FileRef] = field(default_factory=list)
    secrets: list[FileRef] = field(default_factory=list)
    volumes: list[MountView] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def swarm_literal(text: str) -> str:
    """``text`` as a Swarm task template that renders to exactly ``text``.

    Swarm expands Go templates (``{{.Task.Slot}}``...) in a container's env values, hostname
    and mount sources and targets on the node, before the container starts (swarmkit
    ``template.ExpandContainerSpec``): an env value ``{{ x }}`` fails the task ("function "x"
    not defined").  ``{{"{{"}}`` prints ``{{``; ``}}`` alone is plain text.
    """
    return go_template_literal(text)


def workload_mounts(spec: LoadedSpec, section: str, name: str, w: Workload, report: Report,
                    configs: list[ConfigView]) -> Mounts:
    """The workload's mounts; its config files are appended to ``configs`` (top level)."""
    out = Mounts()
    at: Path = (section, name)
    app = spec.app.name
    for i, f in enumerate(w.files):
        content = f.content if f.content is not None else spec.file_contents[(section, name, i)]
        key = f"{name}-{i}"
        empty = content == ""
        nbytes = len(content.encode())
        if nbytes >= CONFIG_MAX:
            report.note("config_size", at + ("files", i), f"{f.path} is {nbytes} bytes")
        configs.append(ConfigView(
            key=key,
            name=units.config_name(app, name, i, units.content_hash(content)),
            file=f"./configs/{key}-{units.file_basename(f.path)}",
            content=EMPTY_FILE_TEMPLATE if empty else content,
            template_driver="golang" if empty else None,
        ))
        out.configs.append(FileRef(key, f.path, f.mode))
    targets: set[str] = set()
    for i, s in enumerate(w.secrets):
        if s.path is not None:
            out.secrets.append(FileRef(s.secret, s.path, s.mode))
            targets.add(s.path)
    for i, s in enumerate(w.secrets):
        if s.env is None:
            continue
        target = f"{SECRETS_DIR}/{s.secret}"
        report.note("secret_env", at + ("secrets", i, "env"))
        if target not in targets:
            out.secrets.append(FileRef(s.secret, target, None))
            targets.add(target)
        out.env[f"{s.env}_FILE"] = target
    for i, v in enumerate(w.volumes):
        if v.volume is not None:
            out.volumes.append(MountView("volume", swarm_literal(v.path), source=v.volume, read_only=v.read_only))
        else:
            size = units.size_bytes(v.size) if v.size is not None else None
            out.volumes.append(MountView("tmpfs", swarm_literal(v.path), read_only=v.read_only, size=size))
    return out


def top_level_secrets(spec: LoadedSpec, report: Report) -> list[SecretView]:
    out = []
    for key, secret in sorted(spec.app.secrets.items()):
        if not secret.external:
            report.note("secret_values", ("secrets", key))
        else:
            report.note("secret_external", ("secrets", key))
        out.append(SecretView(key, names.swarm_secret(spec.app.name, key)))
    return out


def top_level_volumes(spec: LoadedSpec, report: Report) -> list[VolumeView]:
    out = []
    for key, volume in sorted(spec.app.volumes.items()):
        name = f"{spec.app.name}_{key}"
        if volume.per_replica:
            report.note("volume_per_replica", ("volumes", key, "per_replica"))
            name += "-{{.Task.Slot}}"
        else:
            report.note("volumes", ("volumes", key))
        if volume.storage_class is not None:
            report.note("volume_storage_class", ("volumes", key, "storage_class"))
        out.append(VolumeView(key, name))
    return out
