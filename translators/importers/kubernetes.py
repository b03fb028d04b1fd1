"""Kubernetes manifests -> a crossdock app spec (``crossdock import --from kubernetes``).

Reads files, folders (recursively; a kustomization's ``resources:``), multi-document YAML and
``List`` objects (``kubernetes_read``).  Controllers become workloads (``kubernetes_kinds``,
``kubernetes_pod``, ``kubernetes_mounts``), Services, Ingresses, HPAs and PVCs their ports,
routes, autoscaling and volumes (``kubernetes_network``); ConfigMaps become file contents and env
values, Secrets spec secrets read from the environment (values are never copied).

Labels on every object are the app's; a controller's own labels the workload's; crossdock's
ownership labels (``app.kubernetes.io/name``, ``part-of``, ``managed-by``) are set by crossdock
itself and not carried.  What the spec does not model goes, where a patch can say it, into the
workload's ``x-kubernetes`` (a controller's fields), the app's ``x-kubernetes.patches`` (a
Service's, Ingress's, HPA's or claim's, onto the documents crossdock renders from it) or
``x-kubernetes.resources`` (objects of other kinds), so that a Kubernetes render keeps it; and
into the loss report always.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Mapping, Sequence

from crossdock.specs.classify import NO_RULES, SecretRules
from crossdock.translators.importers.base import ImportResult, Source, Sources
from crossdock.translators.importers.kubernetes_kinds import WORKLOAD_KINDS, pod_base, read_workload, section_of
from crossdock.translators.importers.kubernetes_network import (
    Imported, read_autoscaler, read_ingress, read_service, read_volume_claim, service_documents,
)
from crossdock.translators.importers.kubernetes_patch import Rendered, leftovers, validate
from crossdock.translators.importers.kubernetes_read import Manifest, manifest_files, parse_file
from crossdock.translators.importers.kubernetes_values import (
    MANAGED_BY, NAME, PART_OF, RESERVED_LABELS, Context, dns_name, valid,
)
from crossdock.translators.importers.name_fit import APP_NAME_MIN

_TOP = re.compile(r"^(apiVersion|kind):\s*\S", re.M)
_JSON_TOP = re.compile(r'"(apiVersion|kind)"\s*:')
_RUNTIME = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
            "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences")
_SKIPPED_KINDS = {"Namespace": "the namespace is chosen when deploying (--namespace): not imported"}


class KubernetesImporter:
    name: Source = "kubernetes"

    def claims(self, path: str, text: str) -> bool:
        """Manifests have apiVersion and kind at the top of a document (and are not a crossdock spec)."""
        if "crossdock/v1" in text[:4096]:
            return False
        found = set(_TOP.findall(text)) | set(_JSON_TOP.findall(text[:4096]))
        return found == {"apiVersion", "kind"}

    def import_files(self, paths: Sequence[str], sources: Sources, *, name: str | None,
                     environ: Mapping[str, str], secret_rules: SecretRules = NO_RULES) -> ImportResult:
        """Import manifests; raises InputError for a file that is not YAML or a document that is not an object."""
        files, kustomize_losses = manifest_files(list(paths), sources)
        manifests: list[Manifest] = []
        for f in files:
            manifests += parse_file(f, sources.read(f))
        ctx = Context(manifests, secret_rules)
        ctx.losses += kustomize_losses
        doc = _Import(ctx, name, list(paths)).run()
        return ImportResult(doc, sorted(ctx.losses), ctx.comments, files)


class _Import:
    def __init__(self, ctx: Context, name: str | None, paths: list[str]) -> None:
        self.ctx = ctx
        self.given_name = name
        self.paths = paths
        self.objects: list[Manifest] = []
        self.extras: list[dict[str, Any]] = []
        self.namespaces: dict[str, list[Manifest]] = {}
        self.patches: list[dict[str, Any]] = []

    def run(self) -> dict[str, Any]:
        ctx = self.ctx
        by_kind: dict[str, list[Manifest]] = {}
        for m in ctx.manifests:
            _generated_name(ctx, m)
        ctx.manifests = _without_owned(ctx)
        for m in ctx.manifests:
            if not m.kind or not m.name:
                ctx.lose(m, (), "not a Kubernetes object (no kind or metadata.name): skipped")
                m.used.add(())
                continue
            by_kind.setdefault(m.kind, []).append(m)
        for m in by_kind.get("ConfigMap", []):
            ctx.config_maps[m.name] = m
        for m in by_kind.get("Secret", []):
            ctx.add_secret_object(m)
        rendered: dict[int, Rendered] = {}
        for m in by_kind.get("PersistentVolumeClaim", []):
            read_volume_claim(ctx, m)
            rendered[id(m)] = [("PersistentVolumeClaim", None, dns_name(m.name, 63, False))]
        app = self._app_name()
        self.objects = [m for m in ctx.manifests if m.kind and m.name and m.kind not in _SKIPPED_KINDS]
        app_labels, app_annotations = self._app_metadata(app)

        workloads: list[Imported] = []
        names: set[str] = set()
        for m in ctx.manifests:
            if m.kind in WORKLOAD_KINDS and m.name:
                imported = self._workload(m, names, app_labels)
                if imported is not None:
                    workloads.append(imported)
        by_ref = {(i.m.kind, i.m.name): i for i in workloads}
        services: dict[str, list[Imported]] = {}
        service_objects: dict[str, Manifest] = {}
        for m in by_kind.get("Service", []):
            services[m.name] = read_service(ctx, m, workloads)
            service_objects[m.name] = m
            rendered[id(m)] = service_documents(m, services[m.name])
        services = {k: v for k, v in services.items() if v}
        for m in by_kind.get("Ingress", []):
            rendered[id(m)] = [("Ingress", t, "") for t in read_ingress(ctx, m, services, service_objects)]
        for m in by_kind.get("HorizontalPodAutoscaler", []):
            scaled = read_autoscaler(ctx, m, by_ref)
            rendered[id(m)] = [("HorizontalPodAutoscaler", scaled, "")] if scaled is not None else []
        for kind, ms in by_kind.items():
            if kind in _SKIPPED_KINDS:
                for m in ms:
                    ctx.lose(m, (), _SKIPPED_KINDS[kind])
                    m.used.add(())
            elif kind not in (*WORKLOAD_KINDS, "Service", "Ingress", "HorizontalPodAutoscaler", "ConfigMap", "Secret",
                              "PersistentVolumeClaim"):
                for m in ms:
                    self._extra(m, app_labels, app_annotations)
        for name, m in ctx.config_maps.items():
            m.use("data")
            if name not in ctx.used_config_maps:
                ctx.lose(m, (), "used by no workload of the manifests (as files or env): not imported")
                m.used.add(())
        labels_everywhere = {k for i in workloads for k in i.w.get("labels", {})}
        for m in self.objects:
            self._metadata(m, app, app_labels, app_annotations, labels_everywhere)
        # A name taken from the input may be shortened (base.fit_names) down to APP_NAME_MIN to make
        # the derived names fit: only what even that leaves no room is shortened here.
        validate(ctx, workloads, app if self.given_name else app[:APP_NAME_MIN])
        for namespace, ms in self.namespaces.items():
            others = f" (and {len(ms) - 1} other object(s))" if len(ms) > 1 else ""
            ctx.lose(ms[0], ("metadata", "namespace"), f"the namespace '{namespace}' of this object{others} is not "
                     "part of the spec: it is chosen when deploying (--namespace)")
        self.patches = leftovers(ctx, workloads, rendered)
        return self._doc(app, app_labels, app_annotations, workloads)

    # ---- the app ---------------------------------------------------------------------------

    def _app_name(self) -> str:
        if self.given_name:
            return self.given_name
        owners = {str(m.dict_at("metadata", "labels").get(PART_OF) or "") for m in self.ctx.manifests}
        owners.discard("")
        if len(owners) == 1:
            return dns_name(owners.pop(), 40, False, cut=True)  # base.fit_names shortens it further
        first = self.paths[0].rstrip("/") if self.paths else "app"
        stem = posixpath.basename(first).split(".")[0] or "app"
        return dns_name(stem, 40, False, cut=True)

    def _app_metadata(self, app: str) -> tuple[dict[str, str], dict[str, str]]:
        """Labels and annotations on every object: the app's (crossdock puts the app's on everything)."""
        def common(key: str) -> dict[str, str]:
            maps = [m.dict_at("metadata", key) for m in self.objects]
            if not maps:
                return {}
            kind = "label" if key == "labels" else "annotation"
            first = {k: v for k, v in maps[0].items() if valid(f"{kind}_key", k) and valid(f"{kind}_value", v)}
            return {k: v for k, v in first.items() if all(x.get(k) == v for x in maps[1:])
                    and k not in RESERVED_LABELS and k != "kubectl.kubernetes.io/last-applied-configuration"}
        labels, annotations = common("labels"), common("annotations")
        controllers = [m for m in self.objects if m.kind in WORKLOAD_KINDS]
        app_owned = [m for m in self.objects if m.kind not in WORKLOAD_KINDS and m.kind not in (
            "Service", "Ingress", "HorizontalPodAutoscaler", "ConfigMap")]
        if labels and len(controllers) == 1 and not app_owned:
            # One workload and its Services: its labels or the app's cannot be told apart; they stay
            # the workload's (crossdock would render either the same way here).
            m = controllers[0]
            for spec_path in ("metadata.labels", f"{section_of(m)}.{dns_name(m.name, 52, True)}.labels"):
                self.ctx.lose(m, ("metadata", "labels"), "labels on every object of the only workload: kept as "
                              "the workload's labels; they could as well be the app's", "changed", spec_path)
            labels = {}
        return labels, annotations

    def _workload(self, m: Manifest, names: set[str], app_labels: dict[str, str]) -> Imported | None:
        section = section_of(m)
        name = dns_name(m.name, 52, True)
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base[:48]}-{n}"
        names.add(name)
        if name != m.name:
            self.ctx.lose(m, ("metadata", "name"), f"renamed '{name}': a workload name is lowercase letters, "
                          "digits and '-', starting with a letter, at most 52 characters, unique in the app",
                          "changed")
        w = read_workload(self.ctx, m, name)
        if w is None:
            names.discard(name)
            return None
        pod_labels = {k: v for k, v in m.dict_at(*pod_base(m.kind), "metadata", "labels").items() if isinstance(v, str)}
        own = {**m.dict_at("metadata", "labels"), **pod_labels}
        labels = {k: v for k, v in own.items() if k not in RESERVED_LABELS and app_labels.get(k) != v
                  and valid("label_key", k) and valid("label_value", v)}
        if labels:
            w["labels"] = labels
        for key, wanted in ((NAME, name), (MANAGED_BY, "crossdock")):
            if own.get(key) not in (None, wanted):
                self.ctx.lose(m, ("metadata", "labels", key), f"crossdock sets this label to '{wanted}'", "changed")
        return Imported(m, section, name, w, pod_labels)

    def _extra(self, m: Manifest, app_labels: dict[str, str], app_annotations: dict[str, str]) -> None:
        """An object the spec has no notion of: kept for Kubernetes in the app's x-kubernetes.resources."""
        data = {k: v for k, v in m.data.items() if k != "status"}
        meta = {k: v for k, v in m.dict_at("metadata").items() if k not in _RUNTIME and k != "namespace"}
        for key, drop in (("labels", app_labels), ("annotations", app_annotations)):
            found = meta.get(key)
            kept = {k: v for k, v in (found if isinstance(found, dict) else {}).items()
                    if k not in (PART_OF, MANAGED_BY) and drop.get(k) != v
                    and k != "kubectl.kubernetes.io/last-applied-configuration"}
            if kept:
                meta[key] = kept
            else:
                meta.pop(key, None)
        data["metadata"] = meta
        self.extras.append(data)
        self.ctx.lose(m, (), f"the spec has no {m.kind}: kept for Kubernetes only, in x-kubernetes.resources",
                      "changed")
        m.used.add(())

    def _metadata(self, m: Manifest, app: str, app_labels: dict[str, str], app_annotations: dict[str, str],
                  workload_labels: set[str]) -> None:
        """Mark what every object's metadata carries; report its namespace."""
        for key in ("apiVersion", "kind", "status"):
            m.use(key)
        m.use("metadata", "name")
        for key in _RUNTIME:
            m.use("metadata", key)
        namespace = m.data_at("metadata", "namespace")
        if namespace is not None:
            m.use("metadata", "namespace")
            self.namespaces.setdefault(str(namespace), []).append(m)
        for key, value in m.dict_at("metadata", "labels").items():
            if (key in RESERVED_LABELS or app_labels.get(key) == value or key in workload_labels
                    or (m.kind in WORKLOAD_KINDS and valid("label_key", key) and valid("label_value", value))):
                m.use("metadata", "labels", key)
            if key == PART_OF and value != app:
                self.ctx.lose(m, ("metadata", "labels", key), f"crossdock sets this label to the app's name, "
                              f"'{app}'", "changed")
        for meta in (("metadata",), ("spec", "jobTemplate", "metadata")):
            for key, value in m.dict_at(*meta, "annotations").items():
                if app_annotations.get(key) == value:
                    m.use(*meta, "annotations", key)

    # ---- the spec --------------------------------------------------------------------------

    def _doc(self, app: str, labels: dict[str, str], annotations: dict[str, str],
             workloads: list[Imported]) -> dict[str, Any]:
        ctx = self.ctx
        meta: dict[str, Any] = {"name": app}
        if labels:
            meta["labels"] = labels
        if annotations:
            meta["annotations"] = annotations
        doc: dict[str, Any] = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": meta}
        extension: dict[str, Any] = {}
        if self.patches:
            extension["patches"] = self.patches
        if self.extras:
            extension["resources"] = self.extras
        if extension:
            doc["x-kubernetes"] = extension
        if ctx.secrets:
            doc["secrets"] = dict(sorted(ctx.secrets.items()))
        if ctx.volumes:
            doc["volumes"] = dict(sorted(ctx.volumes.items()))
        for i in workloads:
            doc.setdefault(i.section, {})[i.name] = i.w
        escaped: dict[str, Any] = _escaped(doc)
        return escaped


def _without_owned(ctx: Context) -> list[Manifest]:
    """The objects a controller of the manifests did not make: the Pods of a ReplicaSet, the
    ReplicaSets of a Deployment (``kubectl get all -o yaml``) come from their controller."""
    present = {(m.kind, m.name) for m in ctx.manifests}
    out = []
    for m in ctx.manifests:
        owners = [o for o in m.list_at("metadata", "ownerReferences")
                  if isinstance(o, dict) and (o.get("kind"), o.get("name")) in present]
        if owners:
            ctx.lose(m, ("metadata", "ownerReferences"), f"made by {owners[0]['kind']}/{owners[0]['name']} of the "
                     "manifests: imported through it, not on its own", "changed")
        else:
            out.append(m)
    return out


def _generated_name(ctx: Context, m: Manifest) -> None:
    """An object with ``metadata.generateName`` and no name (a Helm or Argo CD hook Job): Kubernetes
    names it the prefix plus five random characters; the spec needs a fixed name, the prefix."""
    prefix = m.data_at("metadata", "generateName")
    if m.name or not isinstance(prefix, str) or not prefix.strip("-"):
        return
    m.generated_name = prefix.strip("-")
    m.use("metadata", "generateName")
    ctx.lose(m, ("metadata", "generateName"), f"Kubernetes names each object made from it '{prefix}' plus random "
             f"characters; the spec needs one name: imported as '{m.generated_name}'", "changed")


def _escaped(value: Any) -> Any:
    """Every string with ``$`` doubled: the spec reads ``${NAME}`` as a variable, ``$$`` as ``$``."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


IMPORTER = KubernetesImporter()
