"""The Kubernetes translator: an app spec -> Kubernetes manifests.

What each spec feature becomes:

- service -> Deployment (a StatefulSet with volumeClaimTemplates and a headless Service
  ``<svc>-headless`` when it mounts a ``per_replica`` volume); its ports -> a ClusterIP
  Service; published ports -> a LoadBalancer Service ``<svc>-public`` (port = published port,
  targetPort = the container port's name); autoscale -> a HorizontalPodAutoscaler
  (autoscaling/v2, cpu Utilization) and no ``replicas`` on the controller; route -> an
  Ingress (networking.k8s.io/v1, pathType Prefix, or ImplementationSpecific for a path the API
  server refuses as a prefix; no ingress class: the cluster default).
- job -> Job (backoffLimit = retries, activeDeadlineSeconds = deadline, restartPolicy
  OnFailure/Never); cron job -> CronJob (batch/v1, timeZone, concurrencyPolicy, suspend).
- init steps -> init containers; a service's sidecars -> more containers of its pod; a job's
  and a cron job's sidecars -> native sidecars (init containers with ``restartPolicy:
  Always``, listed before the init steps; Kubernetes >= 1.29), so the Job completes when its
  main container does.
- config files -> one ConfigMap ``<workload>-files``, each file mounted by ``subPath`` (other
  files of the folder stay visible) with its mode as ``items[].mode``; a hash of the contents
  on the pod template (``crossdock/config-hash``) rolls the pods when a file changes, since
  subPath mounts never see updates.
- secrets -> a Secret ``<secret>`` (key ``value``, base64 ``data`` so any bytes survive) for
  values the spec carries; external secrets are referenced by name only and must exist with
  the key ``value``; delivered by ``secretKeyRef`` or a secret volume mounted by ``subPath``.
- volumes -> a PVC ``<volume>`` (ReadWriteOnce; ReadWriteMany when more than one pod may
  mount it, with a warning); scratch -> emptyDir with sizeLimit.
- update -> RollingUpdate with maxSurge = surge and maxUnavailable = max(parallelism -
  surge, 0): at most ``parallelism`` pods are being replaced at once; minReadySeconds =
  min_ready; progressDeadlineSeconds = deadline.
- placement -> nodeSelector and topologySpreadConstraints (maxSkew 1, ScheduleAnyway).
- ``$`` in env values, command, args and exec probes is doubled, since Kubernetes reads
  ``$(VAR)`` and ``$$`` there; pods set ``enableServiceLinks: false`` so that a container's
  environment is what the spec says (no ``<SERVICE>_PORT`` variables for the app's Services).

The ``x-kubernetes`` escape hatch is described in ``extensions``.  Output: ``kubernetes/<app>.yaml``
(one multi-document file, order in ``view``), or with ``layout="directory"``
``kubernetes/<kind>-<name>.yaml`` per document plus ``kubernetes/kustomization.yaml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from crossdock.specs.loader import LoadedSpec
from crossdock.translators.base import Bundle, Report, gc_paused
from crossdock.translators.kubernetes.extensions import Doc, apply_app_extension, patch_doc
from crossdock.translators.kubernetes.view import ViewBuilder
from crossdock.translators.render import render
from crossdock.translators.support import Target

_HERE = str(Path(__file__).parent)
_UNSAFE = re.compile(r"[^a-z0-9._-]")

Layout = Literal["single", "directory"]


class KubernetesTranslator:
    name: Target = "kubernetes"

    def __init__(self, layout: Layout = "single") -> None:
        self.layout = layout

    @gc_paused
    def translate(self, spec: LoadedSpec) -> Bundle:
        """Render ``spec``; pure. Raises nothing for a valid spec: problems become warnings."""
        report = Report("kubernetes")
        docs = []
        for r in ViewBuilder(spec, report).build():
            doc = Doc(r.kind, r.name, render(_HERE, r.template, obj=r.view))
            docs.append(patch_doc(doc, r.patch) if r.patch else doc)
        if spec.app.x_kubernetes:
            report.note("extensions", ("x-kubernetes",))
        docs = apply_app_extension(spec.app, docs, report)
        warnings = report.sorted()
        if self.layout == "single":
            path = f"kubernetes/{spec.app.name}.yaml"
            return Bundle("kubernetes", {path: "".join("---\n" + d.text for d in docs)}, warnings, path)
        files: dict[str, str] = {}
        for d in docs:
            # Names from x-kubernetes resources are the user's: keep file names inside the folder.
            base = _UNSAFE.sub("-", f"{d.kind.lower()}-{d.name}").lstrip(".") or "resource"
            name, n = f"{base}.yaml", 1
            while name in files:
                n += 1
                name = f"{base}-{n}.yaml"
            files[name] = d.text
        files["kustomization.yaml"] = render(_HERE, "kustomization.yaml.j2", files=list(files))
        return Bundle("kubernetes", {f"kubernetes/{k}": v for k, v in files.items()}, warnings,
                      "kubernetes/kustomization.yaml")
