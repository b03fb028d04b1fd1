"""The Kubernetes translator: an app spec -> Kubernetes manifests.

What each spec feature becomes:

- service -> Deployment (a StatefulSet with volumeClaimTemplates and a headless Service
  ``<svc>-headless`` when it mounts a ``per_replica`` volume); its ports -> a ClusterIP
  Service (port = the spec port, targetPort = the container port's name, whose number is
  ``target_port`` where the spec gives one); published ports -> a LoadBalancer Service
  ``<svc>-public`` (port = published port, targetPort = the container port's name);
  autoscale -> a HorizontalPodAutoscaler (autoscaling/v2, cpu Utilization) and no
  ``replicas`` on the controller; route -> an Ingress (networking.k8s.io/v1, pathType
  Prefix, or ImplementationSpecific for a path the API server refuses as a prefix; no ingress
  class: the cluster default).  A ``per_node`` service
  -> a DaemonSet (exactly one of maxSurge = surge and maxUnavailable = parallelism, as the API
  server requires); each alias that is a DNS-1035 label -> one more ClusterIP Service with the
  workload's selector and ports.
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
- security -> the container's securityContext, working_dir -> workingDir, hostname and
  stop_grace_period -> the pod's hostname and terminationGracePeriodSeconds (see ``security``);
  stop_signal is reported (lifecycle.stopSignal is alpha, off by default).
- ``$`` in env values, command, args and exec probes is doubled, since Kubernetes reads
  ``$(VAR)`` and ``$$`` there; pods set ``enableServiceLinks: false`` so that a container's
  environment is what the spec says (no ``<SERVICE>_PORT`` variables for the app's Services).

The ``x-kubernetes`` escape hatch is described in ``extensions``.  Output: ``kubernetes/<app>.yaml``
(one multi-document file, order in ``view``), or with ``layout="directory"``
``kubernetes/<kind>-<name>.yaml`` per document plus ``kubernetes/kustomization.yaml``.

The files holding a Secret with a value are the bundle's ``sensitive`` ones.  With
``secret_values=False`` (what `crossdock render` asks for unless --include-secrets) those
Secrets are left out: the documents of the single file, the per-resource files and their
kustomization entries; the bundle's ``withheld`` says how to create each one.  The manifests
still reference them by name.  The default keeps them: `crossdock deploy` applies them.
A Secret written by hand under ``x-kubernetes.resources`` is the spec's own text, kept as is.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Literal

from crossdock.errors import shown
from crossdock.specs.loader import LoadedSpec
from crossdock.translators.base import Bundle, Report, WithheldSecret
from crossdock.translators.kubernetes.extensions import Doc, apply_app_extension, patch_doc
from crossdock.translators.kubernetes.pod import SECRET_KEY
from crossdock.translators.kubernetes.view import MANAGED_BY, NAME, PART_OF, ViewBuilder
from crossdock.translators.render import render
from crossdock.translators.support import Target

_HERE = str(Path(__file__).parent)
_UNSAFE = re.compile(r"[^a-z0-9._-]")

Layout = Literal["single", "directory"]


def layout(name: str) -> Layout:
    """``render --layout``'s value, which the CLI limits to these two."""
    if name == "directory":
        return "directory"
    if name == "single":
        return "single"
    raise ValueError(f"layout {name!r}: expected single or directory")


class KubernetesTranslator:
    name: Target = "kubernetes"

    def __init__(self, layout: Layout = "single", secret_values: bool = True) -> None:
        self.layout = layout
        self.secret_values = secret_values

    def translate(self, spec: LoadedSpec) -> Bundle:
        """Render ``spec``; pure. Raises nothing for a valid spec: problems become warnings."""
        report = Report("kubernetes")
        docs = []
        for r in ViewBuilder(spec, report).build():
            # The view renders a Secret only for a secret whose value the spec carries.
            doc = Doc(r.kind, r.name, render(_HERE, r.template, obj=r.view), r.name if r.kind == "Secret" else None)
            docs.append(patch_doc(doc, r.patch) if r.patch else doc)
        if spec.app.extension("kubernetes"):
            report.note("extensions", ("x-kubernetes",))
        docs = apply_app_extension(spec.app, docs, report)
        warnings = report.sorted()
        if self.layout == "single":
            path = f"kubernetes/{spec.app.name}.yaml"
            kept = [(path, d) for d in docs if self.secret_values or d.secret is None]
            withheld = self._withheld(spec, [(path, d) for d in docs])
            return Bundle("kubernetes", {path: "".join("---\n" + d.text for _, d in kept)}, warnings, path,
                          frozenset(p for p, d in kept if d.secret is not None), withheld)
        named: list[tuple[str, Doc]] = []
        taken: set[str] = set()
        for d in docs:  # named before any is left out, so that the others keep their names
            # Names from x-kubernetes resources are the user's: keep file names inside the folder.
            base = _UNSAFE.sub("-", f"{d.kind.lower()}-{d.name}").lstrip(".") or "resource"
            name, n = f"{base}.yaml", 1
            while name in taken:
                n += 1
                name = f"{base}-{n}.yaml"
            taken.add(name)
            named.append((name, d))
        files = {name: d.text for name, d in named if self.secret_values or d.secret is None}
        files["kustomization.yaml"] = render(_HERE, "kustomization.yaml.j2", files=list(files))
        return Bundle("kubernetes", {f"kubernetes/{k}": v for k, v in files.items()}, warnings,
                      "kubernetes/kustomization.yaml",
                      frozenset(f"kubernetes/{n}" for n, d in named if d.secret is not None and n in files),
                      self._withheld(spec, [(f"kubernetes/{n}", d) for n, d in named]))

    def _withheld(self, spec: LoadedSpec, placed: list[tuple[str, Doc]]) -> tuple[WithheldSecret, ...]:
        """The Secrets left out (none when asked for secret values), each with its kubectl command."""
        if self.secret_values:
            return ()
        return tuple(WithheldSecret(d.name, path, _create_command(spec, d.secret, d.name))
                     for path, d in placed if d.secret is not None)


def _create_command(spec: LoadedSpec, secret: str, name: str) -> str:
    """The kubectl command creating the Secret ``name`` as the spec's ``secret`` renders it: key
    ``value`` (SECRET_KEY), the file's bytes or the variable's value.  The manifests carry no
    namespace (they go where they are applied), hence ``-n <namespace>``.  A ``from_file`` path is
    relative to the spec's folder; shown from the current one (as the spec file was named)."""
    d = spec.app.secrets[secret]
    if d.from_env is not None:
        source = f"--from-literal={SECRET_KEY}=\"${d.from_env}\""
    else:
        path = d.from_file or ""
        if spec.source != "-":
            path = os.path.normpath(os.path.join(os.path.dirname(spec.source), path))
        source = f"--from-file={SECRET_KEY}={shlex.quote(shown(path))}"
    quoted = shlex.quote(shown(name))
    # The labels of the Secret crossdock would render (view.meta), so status and destroy find it.
    wanted = {**spec.app.metadata.labels, NAME: spec.app.name, PART_OF: spec.app.name, MANAGED_BY: "crossdock"}
    labels = " ".join(shlex.quote(shown(f"{k}={v}")) for k, v in sorted(wanted.items()))
    return (f"kubectl create secret generic {quoted} {source} -n <namespace> && "
            f"kubectl label secret {quoted} {labels} -n <namespace>")
