"""The view model of the Kubernetes translator: one object per resource, in output order.

Names: workload objects (Deployment, StatefulSet, Job, CronJob, Service, HPA, Ingress) take
the workload's name, since a namespace isolates one app; a workload's config files go in the
ConfigMap ``<workload>-files``; a secret is the Secret ``<secret>`` (its value under the key
``value``); a shared volume is the PVC ``<volume>``; a published port adds the LoadBalancer
Service ``<workload>-public``; a StatefulSet's headless Service is ``<workload>-headless``.

Labels: the app's labels, then the workload's, then ``app.kubernetes.io/name`` (the
workload, or the app for app-level Secrets and PVCs), ``app.kubernetes.io/part-of`` (the
app) and ``app.kubernetes.io/managed-by: crossdock``, which win.  Selectors use name and
part-of only, since a selector cannot change after creation.  The app's annotations go on
every object.

Document order: ConfigMaps, Secrets, PVCs, Services, workloads (Deployments/StatefulSets,
Jobs, CronJobs), HorizontalPodAutoscalers, Ingresses; within a kind, the spec's workload
order (services, jobs, cron jobs, each sorted by name) or sorted names.
"""

from __future__ import annotations

import base64
import math
import re

from crossdock.specs.loader import LoadedSpec
from crossdock.specs.model import CronJob, Job, Service, Workload
from crossdock.specs.types import duration_seconds
from crossdock.specs.yamlsrc import Path
from crossdock.translators.base import Report, alias_clash
from crossdock.translators.kubernetes.objects import (
    ClaimView, ConfigMapView, CronJobView, DaemonSetView, DeploymentView, HpaView, IngressView, JobSpecView, JobView,
    Meta, Resource, SecretView, ServicePort, ServiceView, StatefulSetView,
)
from crossdock.translators.kubernetes.pod import SECRET_KEY, PodBuilder, config_files, label_value

NAME = "app.kubernetes.io/name"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"

_BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")
# The API server refuses a ConfigMap whose data (all values, in bytes) exceeds 1 MiB
# (core validation: MaxSecretSize, which ConfigMaps share).
CONFIG_MAP_MAX = 1024 * 1024
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def _seconds(text: str) -> int:
    return math.ceil(duration_seconds(text))


class ViewBuilder:
    def __init__(self, spec: LoadedSpec, report: Report) -> None:
        self.spec = spec
        self.app = spec.app
        self.report = report
        self.files = spec.file_contents
        self.pods = PodBuilder(self.app, report, self.files)

    def meta(self, name: str, owner: str, w: Workload | None = None) -> Meta:
        labels = {**self.app.metadata.labels, **(w.labels if w else {}),
                  NAME: owner, PART_OF: self.app.name, MANAGED_BY: "crossdock"}
        return Meta(name, dict(sorted(labels.items())), dict(sorted(self.app.metadata.annotations.items())))

    def selector(self, workload: str) -> dict[str, str]:
        return {NAME: workload, PART_OF: self.app.name}

    def build(self) -> list[Resource]:
        configs: list[Resource] = []
        services: list[Resource] = []
        workloads: list[Resource] = []
        hpas: list[Resource] = []
        ingresses: list[Resource] = []
        for section, name, w in self.app.workloads():
            data, _ = config_files(self.files, section, name, w)
            size = sum(len(v.encode()) for v in data.values())
            if size > CONFIG_MAP_MAX:
                self.report.note("config_size", (section, name, "files"), f"the ConfigMap '{name}-files' would "
                                 f"hold {size} bytes")
            if data:
                configs.append(Resource("ConfigMap", f"{name}-files", "configmap.yaml.j2",
                                        ConfigMapView(self.meta(f"{name}-files", name, w), data)))
            for i, _ in enumerate(w.depends_on):
                self.report.note("depends_on", (section, name, "depends_on", i))
            if isinstance(w, Service):
                services += self._services(name, w)
                workloads.append(self._service(name, w))
                if w.autoscale is not None:
                    hpas.append(self._hpa(name, w))
                if w.route is not None:
                    ingresses.append(self._ingress(name, w))
            elif isinstance(w, CronJob):
                workloads.append(self._cron_job(name, w))
            elif isinstance(w, Job):
                workloads.append(self._job(name, w))
        secrets: list[Resource] = []
        for name, d in sorted(self.app.secrets.items()):
            if d.external:
                self.report.note("secret_external", ("secrets", name, "external"))
                continue
            self.report.note("secret_values", ("secrets", name))
            # No value when the spec was loaded for render without it: that Secret is left out.
            known = self.spec.secret_values.get(name)
            value = base64.b64encode((known.reveal() if known else "").encode()).decode()
            secrets.append(Resource("Secret", name, "secret.yaml.j2",
                                    SecretView(self.meta(name, self.app.name), {SECRET_KEY: value})))
        self._check_service_names(services)
        return [*configs, *secrets, *self._claims(), *services, *workloads, *hpas, *ingresses]

    def _claims(self) -> list[Resource]:
        pods: dict[str, list[tuple[str, int, str]]] = {}
        per_node: set[str] = set()  # volumes a DaemonSet mounts: a claim it shares, even per_replica
        for _, name, w in self.app.workloads():
            for v in w.volumes:
                if v.volume is not None:
                    count = _max_pods(w)
                    text = f"{count} pod{'s' if count != 1 else ''}"
                    if isinstance(w, Service) and w.mode == "per_node":
                        count, text = 2, "one pod per node"  # more than one, as far as access modes go
                        per_node.add(v.volume)
                    pods.setdefault(v.volume, []).append((name, count, text))
        out = []
        for vol, d in sorted(self.app.volumes.items()):
            self.report.note("volumes", ("volumes", vol))
            if d.per_replica and vol not in per_node:
                continue  # a StatefulSet's volumeClaimTemplates
            users = {n: c for n, c, _ in pods.get(vol, [])}
            texts = {n: t for n, _, t in pods.get(vol, [])}
            mode = "ReadWriteOnce"
            if len(users) > 1 or sum(users.values()) > 1:
                mode = "ReadWriteMany"
                who = ", ".join(f"{n} ({t})" for n, t in sorted(texts.items()))
                self.report.note("volumes", ("volumes", vol), f"mounted by {who} at once: rendered "
                                 "ReadWriteMany, which the storage class must support")
            if d.storage_class is not None:
                self.report.note("volume_storage_class", ("volumes", vol, "storage_class"))
            out.append(Resource("PersistentVolumeClaim", vol, "pvc.yaml.j2", ClaimView(
                self.meta(vol, self.app.name), mode, d.storage_class, d.size)))
        return out

    def _services(self, name: str, w: Service) -> list[Resource]:
        out = []
        sel = self.selector(name)
        ports = [ServicePort(p.name, p.port, p.name, p.protocol.upper()) for p in w.ports]
        for i, p in enumerate(w.ports):
            self.report.note("ports", ("services", name, "ports", i))
            if p.container_port != p.port:
                self.report.note("target_port", ("services", name, "ports", i, "target_port"))
        if ports:
            out.append(Resource("Service", name, "service.yaml.j2",
                                ServiceView(self.meta(name, name, w), "ClusterIP", False, sel, ports)))
        for i, alias in enumerate(w.aliases):
            where: Path = ("services", name, "aliases", i)
            # DNS names are case-insensitive: a lower-cased alias answers to the same lookups.
            dns = alias.lower()
            if dns == name:
                continue
            clash = alias_clash(self.app, name, alias)
            if clash is not None:
                self.report.note("aliases", where, clash)
            elif not ports:
                self.report.note("aliases", where, "the service has no ports: not rendered")
            elif len(dns) > 63 or not _DNS1035_LABEL.fullmatch(dns):
                self.report.note("aliases", where, f"{alias!r} is not a DNS-1035 label: not rendered")
            else:
                self.report.note("aliases", where)
                out.append(Resource("Service", dns, "service.yaml.j2",
                                    ServiceView(self.meta(dns, name, w), "ClusterIP", False, sel, ports)))
        if self._stateful(w):
            headless = f"{name}-headless"
            out.append(Resource("Service", headless, "service.yaml.j2",
                                ServiceView(self.meta(headless, name, w), "ClusterIP", True, sel, ports)))
        public = []
        for i, p in enumerate(w.ports):
            if p.publish:
                self.report.note("publish", ("services", name, "ports", i, "publish"))
                public.append(ServicePort(p.name, p.published_port or p.port, p.name, p.protocol.upper()))
        if public:
            out.append(Resource("Service", f"{name}-public", "service.yaml.j2",
                                ServiceView(self.meta(f"{name}-public", name, w), "LoadBalancer", False, sel, public)))
        return out

    def _check_service_names(self, services: list[Resource]) -> None:
        seen: dict[str, str] = {}
        for r in services:
            owner = r.view.meta.labels[NAME]
            if r.name in seen and seen[r.name] != owner:
                self.report.note("services", ("services", owner), f"its Service '{r.name}' has the same name as "
                                 f"one of '{seen[r.name]}'; rename a workload")
            seen.setdefault(r.name, owner)

    def _stateful(self, w: Service) -> bool:
        return w.mode != "per_node" and any(v.volume and self.app.volumes[v.volume].per_replica for v in w.volumes)

    def _service(self, name: str, w: Service) -> Resource:
        where: Path = ("services", name)
        self.report.note("services", where)
        if w.replicas is not None:
            self.report.note("replicas", (*where, "replicas"))
        if w.restart == "on-failure":
            self.report.note("restart_on_failure_service", (*where, "restart"))
        else:
            self.report.note("restart", (*where, "restart"))
        for kind in ("init", "sidecars"):
            for i, _ in enumerate(getattr(w, kind)):
                self.report.note(kind, (*where, kind, i))
        self._placement(where, w)
        u = w.update
        explicit = "update" in w.model_fields_set
        if u.auto_rollback:
            self.report.note("update_rollback", (*where, "update", "auto_rollback"))
        if not u.wait_healthy and w.health and w.health.readiness:
            self.report.note("update_wait_healthy", (*where, "update", "wait_healthy"))
        if w.mode == "per_node":
            return self._daemon_set(name, w)
        per_replica = sorted({v.volume for v in w.volumes if v.volume and self.app.volumes[v.volume].per_replica})
        meta = self.meta(name, name, w)
        pod = self.pods.build("services", name, w, self._pod_labels(name, w), self.selector(name), "Always",
                              set(per_replica))
        replicas = None if w.autoscale is not None else w.replicas
        if per_replica:
            for vol in per_replica:
                self.report.note("volume_per_replica", ("volumes", vol))
            if explicit and {"parallelism", "surge", "deadline"} & u.model_fields_set:
                self.report.note("update", (*where, "update"), "a StatefulSet replaces one pod at a time, "
                                 "highest ordinal first; parallelism, surge and deadline are not expressed")
            claims = [ClaimView(Meta(v, self._pod_labels(name, w), {}), "ReadWriteOnce",
                                self.app.volumes[v].storage_class, self.app.volumes[v].size) for v in per_replica]
            return Resource("StatefulSet", name, "statefulset.yaml.j2", StatefulSetView(
                meta, replicas, self.selector(name), f"{name}-headless", _seconds(u.min_ready), pod, claims),
                w.extension("kubernetes"))
        if explicit and {"parallelism", "surge"} & u.model_fields_set:
            self.report.note("update", (*where, "update"))
        min_ready, deadline = _seconds(u.min_ready), _seconds(u.deadline)
        if deadline <= min_ready:
            # The API server requires progressDeadlineSeconds > minReadySeconds.
            self.report.note("update", (*where, "update", "deadline"), f"progressDeadlineSeconds must exceed "
                             f"minReadySeconds: rendered {min_ready + 1}s")
            deadline = min_ready + 1
        # A rolling window of `parallelism` pods: `surge` new ones above the desired count, the
        # rest taken from the old ones.  surge 0 stops `parallelism` old pods first; surge >=
        # parallelism never goes below the desired count.  Both 0 is invalid, and cannot happen
        # since parallelism >= 1.
        return Resource("Deployment", name, "deployment.yaml.j2", DeploymentView(
            meta, replicas, self.selector(name), u.surge, max(u.parallelism - u.surge, 0), min_ready, deadline,
            pod), w.extension("kubernetes"))

    def _daemon_set(self, name: str, w: Service) -> Resource:
        where: Path = ("services", name)
        self.report.note("per_node", (*where, "mode"))
        u = w.update
        for vol in sorted({v.volume for v in w.volumes if v.volume and self.app.volumes[v.volume].per_replica}):
            self.report.note("volume_per_replica", ("volumes", vol), f"'{name}' is a DaemonSet, which has no "
                             f"per-pod claims: its pods share the claim '{vol}'")
        # The API server takes exactly one of maxSurge and maxUnavailable non-zero in a DaemonSet:
        # with surge, `surge` new pods start before old ones stop; without, `parallelism` old
        # pods stop first.
        surge, unavailable = (u.surge, 0) if u.surge > 0 else (0, u.parallelism)
        given = u.model_fields_set if "update" in w.model_fields_set else set()
        if u.surge > 0 and "parallelism" in given and u.parallelism != u.surge:
            self.report.note("update", (*where, "update", "parallelism"), f"a DaemonSet takes only one of maxSurge "
                             f"and maxUnavailable: maxSurge = surge ({u.surge}), parallelism is not expressed",
                             alone=True)
        if "deadline" in given:
            self.report.note("update", (*where, "update", "deadline"), "a DaemonSet has no progress deadline: "
                             "not rendered", alone=True)
        pod = self.pods.build("services", name, w, self._pod_labels(name, w), self.selector(name), "Always", set())
        return Resource("DaemonSet", name, "daemonset.yaml.j2", DaemonSetView(
            self.meta(name, name, w), self.selector(name), surge, unavailable, _seconds(u.min_ready), pod),
            w.extension("kubernetes"))

    def _pod_labels(self, name: str, w: Workload) -> dict[str, str]:
        return self.meta(name, name, w).labels

    def _placement(self, where: Path, w: Workload) -> None:
        if w.placement is None:
            return
        if w.placement.constraints:
            self.report.note("placement_constraints", (*where, "placement", "constraints"))
        for key, value in sorted(w.placement.constraints.items()):
            if not label_value(value):
                # No node can carry such a label, and the API server refuses the whole pod.
                self.report.note("placement_constraints", (*where, "placement", "constraints", key),
                                 f"{value!r} is not a valid label value (at most 63 of A-Z a-z 0-9 - _ ., "
                                 "alphanumeric at both ends), which the API server refuses in a nodeSelector: "
                                 "not rendered")
        if w.placement.spread:
            self.report.note("placement_spread", (*where, "placement", "spread"))

    def _hpa(self, name: str, w: Service) -> Resource:
        assert w.autoscale is not None
        where: Path = ("services", name, "autoscale")
        self.report.note("autoscale", where)
        missing = [((*where[:2], "resources", "requests"), name, w.resources)]
        missing += [((*where[:2], "sidecars", i, "resources", "requests"), s.name, s.resources)
                    for i, s in enumerate(w.sidecars)]
        for path, container, res in missing:
            if res is None or res.requests.cpu is None:
                self.report.note("autoscale", path, f"container '{container}' has no cpu request: the "
                                 "HorizontalPodAutoscaler cannot compute cpu utilization and will not scale; set "
                                 "requests.cpu")
        kind = "StatefulSet" if self._stateful(w) else "Deployment"
        return Resource("HorizontalPodAutoscaler", name, "hpa.yaml.j2", HpaView(
            self.meta(name, name, w), kind, w.autoscale.min, w.autoscale.max, w.autoscale.cpu_target))

    def _ingress(self, name: str, w: Service) -> Resource:
        assert w.route is not None
        self.report.note("route", ("services", name, "route"))
        path_type = "Prefix"
        # The API server refuses these in Prefix and Exact paths (networking validation).
        if any(s in w.route.path for s in _BAD_PATH_PARTS) or w.route.path.endswith(("/..", "/.")):
            path_type = "ImplementationSpecific"
            self.report.note("route", ("services", name, "route", "path"), "Kubernetes refuses this path as a "
                             "prefix: rendered with pathType ImplementationSpecific, matched as the ingress "
                             "controller sees fit")
        return Resource("Ingress", name, "ingress.yaml.j2", IngressView(
            self.meta(name, name, w), w.route.host, w.route.path, path_type, name, w.route.port))

    def _job_spec(self, section: str, name: str, w: Job) -> JobSpecView:
        where: Path = (section, name)
        self._placement(where, w)
        for kind in ("init", "sidecars"):
            for i, _ in enumerate(getattr(w, kind)):
                self.report.note("init" if kind == "init" else "job_sidecars", (*where, kind, i))
        if w.retries:
            self.report.note("job_retries", (*where, "retries"))
        if w.deadline is not None:
            self.report.note("job_deadline", (*where, "deadline"))
        if w.completions != 1 or w.parallelism != 1:
            self.report.note("job_completions", where)
        restart = "OnFailure" if w.restart == "on-failure" else "Never"
        pod = self.pods.build(section, name, w, self._pod_labels(name, w), self.selector(name), restart, set())
        deadline = _seconds(w.deadline) if w.deadline is not None else None
        return JobSpecView(w.retries, deadline, w.completions, w.parallelism, pod)

    def _job(self, name: str, w: Job) -> Resource:
        self.report.note("jobs", ("jobs", name))
        return Resource("Job", name, "job.yaml.j2", JobView(self.meta(name, name, w), self._job_spec("jobs", name, w)),
                        w.extension("kubernetes"))

    def _cron_job(self, name: str, w: CronJob) -> Resource:
        where: Path = ("cron_jobs", name)
        self.report.note("cron_jobs", (*where, "schedule"))
        if w.timezone is not None:
            self.report.note("cron_timezone", (*where, "timezone"))
        self.report.note("cron_concurrency", (*where, "concurrency"))
        if w.suspend:
            self.report.note("cron_suspend", (*where, "suspend"))
        meta = self.meta(name, name, w)
        return Resource("CronJob", name, "cronjob.yaml.j2", CronJobView(
            meta, w.schedule, w.timezone, w.concurrency.capitalize(), w.suspend, meta,
            self._job_spec("cron_jobs", name, w)), w.extension("kubernetes"))


def _max_pods(w: Workload) -> int:
    """How many pods of a workload may run at once (for a volume's access mode)."""
    if isinstance(w, Service):
        if w.autoscale is not None:
            return int(w.autoscale.max)
        return max(int(w.replicas) if w.replicas is not None else 1, 1)
    if isinstance(w, CronJob) and w.concurrency == "allow":
        return 2 * int(w.parallelism)  # runs may overlap
    if isinstance(w, Job):
        return int(w.parallelism)
    return 1
