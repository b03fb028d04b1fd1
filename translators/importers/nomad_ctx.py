"""What the Nomad importer's parts share while reading one file: where losses go, the app-level
secrets and volumes being collected, and the small conversions (durations, names, amounts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.translators.importers.base import Loss, safe_env_source
from crossdock.translators.importers.nomad_schema import LINE

_S = 10**9


@dataclass
class Ctx:
    file: str
    crossdock: bool = False  # the job says it was rendered by crossdock (meta managed-by)
    spec: str = ""  # the spec path of the workload being read ("services.web")
    losses: list[Loss] = field(default_factory=list)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    rules: SecretRules = NO_RULES  # the shared secret classifier with --secret / --not-secret
    main_task: dict[str, Any] = field(default_factory=dict)  # the main task of the group being read

    def loss(self, where: Any, path: str, message: str, kind: Literal["dropped", "changed"] = "dropped",
             spec: str = "") -> None:
        """Report ``path`` (in the source); ``where`` is an object carrying its line, or a line;
        ``spec`` the spec path left missing or different (".x" is relative to the workload)."""
        line = where if isinstance(where, int) else (where.get(LINE, 0) if isinstance(where, dict) else 0)
        spec_path = self.spec + spec if spec.startswith(".") else spec
        self.losses.append(Loss(self.file, int(line or 0), 0, path, message, kind, spec_path))

    def rest(self, obj: dict[str, Any], known: set[str], path: str, defaults: dict[str, Any] | None = None,
             keep: dict[str, Any] | None = None) -> None:
        """Report every key of ``obj`` that was not read, unless it holds its default (or nothing).
        With ``keep``, such keys are kept there (an ``x-nomad`` block: only the Nomad rendering
        carries them)."""
        defaults = defaults or {}
        for key in sorted(obj):
            value = obj[key]
            if key in known or key.endswith(LINE) or value in (None, [], {}) or defaults.get(key, object()) == value:
                continue
            if keep is not None:
                keep[key] = plain(value)
                self.loss(obj, f"{path}: {key}", "no equivalent in the spec: kept under x-nomad, so only the "
                          "Nomad rendering carries it", "changed")
            else:
                self.loss(obj, f"{path}: {key}", "no equivalent in the spec: not carried over")

    def key_line(self, obj: dict[str, Any], field: str, key: str) -> int:
        """The line of ``key`` in the map ``field`` of ``obj`` (env, meta), else ``obj``'s line."""
        lines = obj.get(field + LINE)
        line = lines.get(key) if isinstance(lines, dict) else None
        return int(line or obj.get(LINE, 0) or 0)

    def secret(self, name: str, where: str, at: Any = 0, report: bool = True) -> str:
        """An app-level secret named after ``name`` (sanitized), whose value is set from an env var
        at deploy time; the comment says where the value lived, never the value."""
        key = object_name(name) or "secret"
        if key not in self.secrets:
            plain_env = re.sub(r"[^A-Za-z0-9_]", "_", key).upper()
            env = safe_env_source(plain_env)
            why = f" (not {plain_env}, which the shell sets)" if env != plain_env else ""
            self.secrets[key] = {"from_env": env}
            self.comments[("secrets", key)] = f"value was {where}; set {env} when deploying{why}"
            if report:
                self.loss(at, f"secret {name}", f"the value was {where} and is not copied: the spec reads it from "
                          f"the environment variable {env}{why} at deploy time", "changed", f"secrets.{key}")
        return key


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.endswith(LINE)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


_LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
# A container's env name (the spec's EnvKey): images read dotted and dashed names too.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def is_label_key(text: str) -> bool:
    """The spec's label keys (Kubernetes' qualified names): at most 253 + 63 characters."""
    prefix, _, name = text.rpartition("/")
    return bool(_LABEL_KEY.fullmatch(text)) and len(name) <= 63 and len(prefix) <= 253


def is_label_value(text: str) -> bool:
    return bool(_LABEL_VALUE.fullmatch(text)) and len(text) <= 63


def is_env_name(text: str) -> bool:
    return bool(_ENV_NAME.fullmatch(text))


def object_name(text: str, limit: int = 63) -> str:
    """A DNS-label name (lowercase letters, digits, '-') made from ``text``; app names take 40
    characters, workload names 52 (the spec's limits), other names 63."""
    out = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return re.sub(r"-{2,}", "-", out)[:limit].strip("-")


def workload_name(text: str) -> str:
    out = object_name(text, 50)
    if out and not out[0].isalpha():
        out = "w-" + out
    return out or "app"


def duration(ns: Any) -> str | None:
    """Integer nanoseconds as a spec duration ("1m30s", "500ms"); below a millisecond rounds up."""
    if not isinstance(ns, (int, float)) or isinstance(ns, bool) or ns < 0:
        return None
    ms = -(-int(ns) // 10**6)
    if ms == 0:
        return "0s"
    out = []
    for unit, size in (("h", 3600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(out)


def cpu(mhz: int) -> str:
    """MHz as a CPU amount, 1000 MHz = 1 core (crossdock's own rendering convention)."""
    return str(mhz // 1000) if mhz % 1000 == 0 else f"{mhz}m"


def memory(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def size_bytes(n: int) -> str:
    for unit, size in (("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def blocks(value: Any) -> list[dict[str, Any]]:
    """A free-form block that may be an object or a list of objects (HCL reads blocks as lists)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []
