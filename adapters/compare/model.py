"""What a comparison measured, in one shape for the table, the JSON and the HTML report.

Every number here was measured on this run; nothing is estimated or carried over.  A scenario
that could not run says so (``status`` "not measured" or "failed" and ``reason``) instead of
showing a figure.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ScenarioName = Literal["deploy", "status", "scale", "heal", "update", "job"]
SCENARIOS: tuple[ScenarioName, ...] = ("deploy", "status", "scale", "heal", "update", "job")
ScenarioState = Literal["ok", "failed", "not measured"]
Better = Literal["lower", "higher", "none"]
Answer = Literal["old", "new", "failed", "other"]


@dataclass
class Figure:
    """One measured quantity, once per repeat: its median and spread (min-max)."""

    name: str
    unit: str  # "s", "ms", "%", "objects", "lines"...
    values: list[float] = field(default_factory=list)
    better: Better = "lower"

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def low(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def high(self) -> float | None:
        return max(self.values) if self.values else None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "values": self.values, "better": self.better,
                "median": self.median, "min": self.low, "max": self.high}


@dataclass
class Timeline:
    """Replicas healthy over one run of a scenario: (seconds since its start, healthy,
    desired) samples of the service under test, and named moments (submitted, killed...)."""

    scenario: str
    run: int
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)


@dataclass
class ProbeResult:
    """Every answer the prober got during one rolling update, classified, in order."""

    run: int
    rate: float  # requests per second asked for
    answers: list[tuple[float, Answer]] = field(default_factory=list)

    def count(self, kind: Answer) -> int:
        return sum(1 for _, a in self.answers if a == kind)

    @property
    def total(self) -> int:
        return len(self.answers)

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "rate": self.rate, "total": self.total, "old": self.count("old"),
                "new": self.count("new"), "failed": self.count("failed"), "other": self.count("other"),
                "answers": [[round(t, 3), a] for t, a in self.answers]}


@dataclass
class ScenarioResult:
    name: str
    state: ScenarioState = "ok"
    reason: str = ""
    figures: list[Figure] = field(default_factory=list)
    timelines: list[Timeline] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, name: str, unit: str = "s", better: Better = "lower") -> Figure:
        """The figure called ``name``, created on first use."""
        for f in self.figures:
            if f.name == name:
                return f
        f = Figure(name, unit, better=better)
        self.figures.append(f)
        return f

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "reason": self.reason,
                "figures": [f.to_dict() for f in self.figures],
                "timelines": [asdict(t) for t in self.timelines],
                "probes": [p.to_dict() for p in self.probes], "notes": self.notes}


@dataclass
class TargetResult:
    target: str
    measured: bool = False
    reason: str = ""  # why not measured, or why a scenario stopped the run
    app: str = ""
    namespace: str | None = None
    endpoint: str = ""  # how the HTTP endpoint was reached
    platform: dict[str, str] = field(default_factory=dict)  # versions, as the platform reported them
    scenarios: list[ScenarioResult] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # what teardown could not remove

    def scenario(self, name: str) -> ScenarioResult | None:
        return next((s for s in self.scenarios if s.name == name), None)

    @property
    def failed(self) -> bool:
        return any(s.state == "failed" for s in self.scenarios)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "measured": self.measured, "reason": self.reason, "app": self.app,
                "namespace": self.namespace, "endpoint": self.endpoint, "platform": self.platform,
                "scenarios": [s.to_dict() for s in self.scenarios], "leftovers": self.leftovers}


@dataclass
class StaticResult:
    """What the spec becomes on one target, without a platform."""

    target: str
    files: int
    objects: int
    lines: int
    render_ms: Figure
    features: dict[str, str]  # feature id -> native / approximated / unsupported
    warnings: list[str]

    def level_count(self, level: str) -> int:
        return sum(1 for v in self.features.values() if v == level)

    @property
    def score(self) -> float:
        """Portability score in percent: native 1, approximated 0.5, not supported 0, averaged
        over the features the spec uses (100 when it uses none)."""
        if not self.features:
            return 100.0
        weight = {"native": 1.0, "approximated": 0.5, "unsupported": 0.0}
        return 100.0 * sum(weight[v] for v in self.features.values()) / len(self.features)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "files": self.files, "objects": self.objects, "lines": self.lines,
                "render_ms": self.render_ms.to_dict(), "native": self.level_count("native"),
                "approximated": self.level_count("approximated"),
                "unsupported": self.level_count("unsupported"), "score": round(self.score, 1),
                "features": self.features, "warnings": self.warnings}


@dataclass
class CompareResult:
    spec_file: str
    spec_text: str
    env: str | None
    app: str  # the app name in the spec
    repeat: int
    scenarios: list[str]
    static: list[StaticResult] = field(default_factory=list)
    targets: list[TargetResult] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    started: str = ""  # UTC, RFC 3339: when this comparison ran
    interrupted: bool = False

    @property
    def failed(self) -> bool:
        return any(t.failed for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        return {"spec_file": self.spec_file, "env": self.env, "app": self.app, "repeat": self.repeat,
                "scenarios": self.scenarios, "started": self.started, "interrupted": self.interrupted,
                "machine": self.machine, "static": [s.to_dict() for s in self.static],
                "targets": [t.to_dict() for t in self.targets], "spec": self.spec_text}
