"""What the Kubernetes importer's parts share: the objects read, the spec's secrets and volumes
being built, the loss report, and the conversions of Kubernetes values into spec values.

Secret values are never read: a Secret's keys become spec secrets whose value comes from an
environment variable at deploy time (``from_env``), with a comment naming where the value was.
So do plain values (env ``value:``, ConfigMap data) that the shared classifier (``specs.classify``,
with the user's ``--secret``/``--not-secret``) calls secret.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.specs.types import (
    AbsPath, Capability, EnvKey, Hostname, HttpPath, Image, LabelKey, LabelValue, Signal, Text, UserRef,
)
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.base import Loss, safe_env_source
from crossdock.translators.importers.name_fit import shorten
from crossdock.translators.importers.kubernetes_read import Manifest

SECRET_KEY = "value"  # the key crossdock's own Secrets hold their value under
NAME = "app.kubernetes.io/name"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
RESERVED_LABELS = (NAME, PART_OF, MANAGED_BY)

_CPU = re.compile(r"[0-9]+(\.[0-9]+)?m?")
_MEMORY = re.compile(r"[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?")
_SUFFIX = {"": 1, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "P": 1000**5, "E": 1000**6,
           "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "Pi": 1024**5, "Ei": 1024**6}
_REF = re.compile(r"\$(\$|\(([A-Za-z_][A-Za-z0-9_.-]*)\))")


_TYPES: dict[str, Any] = {
    "label_key": LabelKey, "label_value": LabelValue, "annotation_key": LabelKey, "annotation_value": Text,
    "env": EnvKey, "host": Hostname, "path": AbsPath, "image": Image, "http_path": HttpPath, "text": Text,
    "signal": Signal, "capability": Capability, "user": UserRef,
}


@lru_cache(maxsize=None)
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(_TYPES[kind])


def valid(kind: str, value: Any) -> bool:
    """Whether the spec accepts ``value`` as a ``kind`` ('label_key', 'env', 'host', 'path'...)."""
    try:
        _adapter(kind).validate_python(value)
    except ValidationError:
        return False
    return True


def dns_name(text: str, limit: int, letter_first: bool, cut: bool = False) -> str:
    """``text`` made a DNS label: lowercase letters, digits and '-', at most ``limit`` characters
    (a longer one is shortened by ``short_name``, so two long names keep apart; with ``cut``,
    only cut, for a name that is shortened later with a hash of its own)."""
    out = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    if letter_first and not out[:1].isalpha():
        out = "x-" + out
    return (out[:limit].rstrip("-") if cut else short_name(out, limit, text)) or "x"


def short_name(name: str, limit: int, seed: str = "") -> str:
    """``name`` when it fits in ``limit`` characters, else its first characters, '-' and four hex
    digits of a hash of ``seed`` (default ``name``): name_fit.shorten with the Kubernetes
    importer's shorter hash.  ``limit`` is at least 6."""
    return shorten(name, limit, digits=4, seed=seed)


def env_name(text: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]", "_", text).upper()
    return out if out and not out[0].isdigit() else "_" + out


def duration(seconds: int) -> str:
    """600 -> '10m', 90 -> '1m30s', 0 -> '0s': the form a person would write."""
    if seconds <= 0:
        return "0s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((h, "h"), (m, "m"), (s, "s")) if n)


def cpu(value: Any) -> str | None:
    """A CPU quantity in the spec's form ('250m', '0.5', '2'), or None if it has none."""
    text = str(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
    if _CPU.fullmatch(text):
        return text
    amount = _quantity(text)
    if amount is None or amount < 0:
        return None
    milli = amount * 1000
    return f"{int(milli)}m" if milli == int(milli) else None


def memory(value: Any) -> str | None:
    """A memory quantity in the spec's form ('512Mi', '2G'); exact, else None."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if _MEMORY.fullmatch(text):
        return text
    amount = _quantity(text)
    if amount is None or amount < 0 or amount != int(amount):
        return None
    n = int(amount)
    for unit in ("Ti", "Gi", "Mi", "Ki", "T", "G", "M", "k"):
        if n and n % _SUFFIX[unit] == 0:
            return f"{n // _SUFFIX[unit]}{unit}"
    return str(n)


def _quantity(text: str) -> Decimal | None:
    m = re.fullmatch(r"([0-9.]+(?:[eE][-+]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?", text)
    if not m:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return None
    unit = m.group(2) or ""
    return number / 1000 if unit == "m" else number * _SUFFIX[unit]


def from_kube(text: str, defined: dict[str, str | None]) -> tuple[str, list[str]]:
    """What a container sees of an env value, command or arg, and the $(NAME) it cannot keep.

    Kubernetes reads ``$$`` as ``$`` and replaces ``$(NAME)`` by the value of NAME when the
    container defines NAME (``defined``: name -> plain value, or None for a value from a secret
    or the downward API); other ``$`` stay.  A reference to a plain value is written out; one to
    any other value is kept as text and named in the second result.
    """
    kept: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m.group(1) == "$":
            return "$"
        name = m.group(2)
        if name not in defined:
            return m.group(0)
        value = defined[name]
        if value is None:
            kept.append(name)
            return m.group(0)
        return value

    return _REF.sub(repl, text), kept


class Context:
    """The objects of one import, and the spec's app-level parts as they are built."""

    def __init__(self, manifests: list[Manifest], rules: SecretRules = NO_RULES) -> None:
        self.manifests = manifests
        self.rules = rules
        self.losses: list[Loss] = []
        self.comments: dict[tuple[str, ...], str] = {}
        self.secrets: dict[str, dict[str, Any]] = {}
        self.volumes: dict[str, dict[str, Any]] = {}
        self.secret_objects: dict[str, Manifest] = {}
        self.config_maps: dict[str, Manifest] = {}
        self.claims: dict[str, Manifest] = {}
        self.used_config_maps: set[str] = set()
        self._secret_names: dict[tuple[str, str], str] = {}

    def lose(self, m: Manifest, path: Path, message: str, kind: str = "dropped", spec_path: str = "") -> None:
        self.losses.append(m.loss(path, message, kind, spec_path))

    # ---- secrets ---------------------------------------------------------------------------

    def secret_keys(self, name: str) -> list[str] | None:
        """The keys of the Secret ``name`` (never its values), None when it is not in the manifests."""
        m = self.secret_objects.get(name)
        if m is None:
            return None
        keys: list[str] = []
        for section in ("data", "stringData"):
            block = m.data.get(section)
            if isinstance(block, dict):
                keys += [str(k) for k in block if str(k) not in keys]
        return keys

    def add_secret_object(self, m: Manifest) -> None:
        """Every key of a Secret becomes a spec secret read from the environment at deploy time."""
        self.secret_objects[m.name] = m
        for key in self.secret_keys(m.name) or []:
            section = "data" if isinstance(m.data.get("data"), dict) and key in m.data["data"] else "stringData"
            m.use(section, key)
            spec = self._spec_secret_name(m.name, key)
            var = safe_env_source(env_name(spec))
            self.secrets[spec] = {"from_env": var}
            self.comments[("secrets", spec)] = (f"value was in {m.ref} {section}.{key} ({m.where((section, key))}); "
                                                f"not copied: set {var} when deploying")
            self.lose(m, (section, key), f"the value is not copied into the spec: the secret '{spec}' reads it "
                      f"from the environment variable {var} at deploy time", "changed", f"secrets.{spec}")
        for section in ("data", "stringData"):
            m.use(section)
        kind = m.get("type")
        if kind not in (None, "Opaque"):
            self.lose(m, ("type",), "the spec's secrets have no type: rendered as Opaque secrets, one key each",
                      "changed")

    def _spec_secret_name(self, obj: str, key: str) -> str:
        if (obj, key) in self._secret_names:
            return self._secret_names[(obj, key)]
        keys = self.secret_keys(obj)
        single = key == SECRET_KEY or (keys is not None and len(keys) == 1)
        base = dns_name(obj if single else f"{obj}-{key}", 63, False)
        name, n = base, 1
        while name in self._secret_names.values():
            n += 1
            name = f"{base[:60]}-{n}"
        self._secret_names[(obj, key)] = name
        return name

    def secret_ref(self, m: Manifest, path: Path, obj: str, key: str) -> str:
        """The spec secret for key ``key`` of the Secret ``obj`` that ``m`` refers to at ``path``."""
        name = self._spec_secret_name(obj, key)
        if name in self.secrets:
            return name
        known = obj in self.secret_objects
        self.secrets[name] = {"external": True}
        self.comments[("secrets", name)] = (f"Secret '{obj}' has no key '{key}'" if known else
                                            f"Secret '{obj}' is not in the manifests") + ": it must exist on the platform"
        if known:
            self.lose(m, path, f"the Secret '{obj}' has no key '{key}': imported as the external secret '{name}'",
                      "changed", f"secrets.{name}")
        elif key != SECRET_KEY:
            self.lose(m, path, f"the Secret '{obj}' is not in the manifests and crossdock reads an external secret "
                      f"from the key 'value' of the Secret named after it: create the Secret '{name}' with the "
                      "key 'value'", "changed", f"secrets.{name}")
        return name

    def literal_secret(self, m: Manifest, path: Path, var: str, spec_path: str, reason: str = "",
                       where: str = "") -> str:
        """A plain value the classifier calls secret (an env ``value:``, a ConfigMap key) becomes a
        secret read from the environment variable ``var``; ``where`` says where the value was
        (default: env ``var`` of ``m`` at ``path``), ``reason`` why it is secret."""
        var = safe_env_source(env_name(var))
        base = dns_name(var, 63, False)
        name, n = base, 1
        while name in self.secrets and self.secrets[name].get("from_env") != var:
            n += 1
            name = f"{base[:60]}-{n}"
        where = where or f"a literal in {m.ref} env {var} ({m.where(path)})"
        why = f" ({reason})" if reason else ""
        self.secrets[name] = {"from_env": var}
        self.comments[("secrets", name)] = f"value was {where}{why}; not copied: set {var} when deploying"
        self.lose(m, path, f"a literal value with a secret-looking name or value{why} is not copied: it becomes "
                  f"the secret '{name}', read from the environment variable {var} at deploy time", "changed",
                  spec_path)
        return name

    def config_where(self, cm_name: str, key: str) -> str:
        """Where the key ``key`` of the ConfigMap ``cm_name`` is written: for comments on secrets."""
        cm = self.config_maps[cm_name]
        return f"in {cm.ref} data.{key} ({cm.where(('data', key))})"

    # ---- volumes ---------------------------------------------------------------------------

    def claim(self, m: Manifest, path: Path, claim: str) -> str:
        """The spec volume for the PersistentVolumeClaim ``claim`` that ``m`` mounts."""
        name = dns_name(claim, 63, False)
        if name not in self.volumes:
            self.volumes[name] = {}
            self.lose(m, path, f"the PersistentVolumeClaim '{claim}' is not in the manifests: imported as the "
                      "volume '{name}' of the default size 1Gi", "changed", f"volumes.{name}")
        return name
