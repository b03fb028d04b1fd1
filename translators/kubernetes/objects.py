"""What the templates read: one frozen dataclass per kind of resource (built by ``view``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crossdock.translators.kubernetes.pod import PodView


@dataclass(frozen=True)
class Meta:
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]


@dataclass(frozen=True)
class ConfigMapView:
    meta: Meta
    data: dict[str, str]


@dataclass(frozen=True)
class SecretView:
    meta: Meta
    data: dict[str, str]  # base64, so that any bytes survive


@dataclass(frozen=True)
class ClaimView:
    meta: Meta
    access_mode: str
    storage_class: str | None
    size: str


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    target: str
    protocol: str


@dataclass(frozen=True)
class ServiceView:
    meta: Meta
    type: str
    headless: bool
    selector: dict[str, str]
    ports: list[ServicePort]


@dataclass(frozen=True)
class DeploymentView:
    meta: Meta
    replicas: int | None
    selector: dict[str, str]
    max_surge: int
    max_unavailable: int
    min_ready: int
    progress_deadline: int
    pod: PodView


@dataclass(frozen=True)
class DaemonSetView:
    meta: Meta
    selector: dict[str, str]
    max_surge: int
    max_unavailable: int
    min_ready: int
    pod: PodView


@dataclass(frozen=True)
class StatefulSetView:
    meta: Meta
    replicas: int | None
    selector: dict[str, str]
    service_name: str
    min_ready: int
    pod: PodView
    claims: list[ClaimView]


@dataclass(frozen=True)
class JobSpecView:
    backoff_limit: int
    deadline: int | None
    completions: int
    parallelism: int
    pod: PodView


@dataclass(frozen=True)
class JobView:
    meta: Meta
    spec: JobSpecView


@dataclass(frozen=True)
class CronJobView:
    meta: Meta
    schedule: str
    timezone: str | None
    concurrency: str
    suspend: bool
    job_meta: Meta
    spec: JobSpecView


@dataclass(frozen=True)
class HpaView:
    meta: Meta
    target_kind: str
    min: int
    max: int
    cpu: int


@dataclass(frozen=True)
class IngressView:
    meta: Meta
    host: str
    path: str
    path_type: str
    service: str
    port: int | str


@dataclass(frozen=True)
class Resource:
    """One document to render: its template and view, and the workload's x-kubernetes patch."""

    kind: str
    name: str
    template: str
    view: Any
    patch: dict[str, Any] | None = None
