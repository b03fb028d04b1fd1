"""What every translator shares: the bundle it returns, the report it writes, its protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from crossdock.errors import shown
from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import App
from crossdock.specs.names import all_workloads
from crossdock.specs.yamlsrc import Path, format_path
from crossdock.translators.support import Level, Target, on

if TYPE_CHECKING:  # the registry is read when get() runs
    from crossdock.targets import RenderOptions


@dataclass(frozen=True, order=True)
class PortabilityWarning:
    """A spec field that a target cannot express, or expresses with a different meaning."""

    target: str
    path: str
    message: str
    level: Level = "unsupported"
    feature: str = ""

    def __str__(self) -> str:
        return shown(f"{self.target}: {self.path}: {self.message}")  # a value may hold a newline or ESC


@dataclass
class Report:
    target: Target
    warnings: list[PortabilityWarning] = field(default_factory=list)

    def note(self, feature: str, path: Path, detail: str | None = None, alone: bool = False) -> None:
        """Record that ``feature`` is used at ``path``; silent where the target is native.
        ``detail`` follows the feature's note, or replaces it (``alone``) where that note
        describes another case.  The level and the note come from the target's column of the
        support matrix (its registration's ``support``)."""
        support = on(feature, self.target)
        if support.level == "native" and detail is None:
            return
        message = support.note if detail is None else (
            f"{support.note}; {detail}" if support.note and not alone else detail)
        self.warnings.append(PortabilityWarning(self.target, format_path(path), message, support.level, feature))

    def sorted(self) -> list[PortabilityWarning]:
        # The order of PortabilityWarning's fields, compared as one tuple: what order=True
        # compares, without a Python-level __lt__ call per comparison (thousands for a big app).
        return sorted(set(self.warnings), key=lambda w: (w.target, w.path, w.message, w.level, w.feature))


@dataclass(frozen=True)
class WithheldSecret:
    """A secret whose value a bundle leaves out (its translator was asked for no secret values):
    the object the manifests reference is not in the files, and must be created on the platform."""

    name: str  # the platform object's name
    path: str  # the file it would have been written to
    create: str  # how to create it by hand: a command naming where the value is, never the value


@dataclass(frozen=True)
class Bundle:
    """What a translator produced for one target: files (relative path -> text) and warnings.

    ``sensitive`` names the files that hold a secret's value (written with mode 0600), and
    ``withheld`` the secrets left out of the files; both are empty for a target whose files never
    hold a value (a Swarm stack names its secrets as external, a Nomad job reads Nomad Variables).
    """

    target: Target
    files: dict[str, str]
    warnings: list[PortabilityWarning]
    primary: str  # the file a person opens first (and what `-o -` prints first)
    sensitive: frozenset[str] = frozenset()
    withheld: tuple[WithheldSecret, ...] = ()


class Translator(Protocol):
    name: Target

    def translate(self, spec: LoadedSpec) -> Bundle:
        """Render ``spec`` for this target. Pure: no I/O, no clock, no environment."""
        ...


def alias_clash(app: App, owner: str, alias: str) -> str | None:
    """Why ``owner``'s ``alias`` cannot be given (it names another workload, or another
    service's alias takes it first: one name would reach two services), or None.  Names are
    compared lower-cased, as DNS compares them."""
    name = alias.lower()
    for other in sorted(all_workloads(app)):
        if other == name and other != owner:
            return f"{alias!r} is the name of the workload '{other}': not rendered"
    for other, svc in sorted(app.services.items()):
        if other == owner:
            break
        if name in (a.lower() for a in svc.aliases):
            return f"{alias!r} is an alias of '{other}' too: not rendered"
    return None




def get(target: str, options: RenderOptions | None = None) -> Translator:
    """The translator of the registered ``target`` (its package is imported only now), with
    ``options`` (default: one file, secret values included, as deploy and diff need them).
    Raises InputError for a name no installed distribution registers."""
    from crossdock import targets
    return targets.get(target).translator(options or targets.RenderOptions())
