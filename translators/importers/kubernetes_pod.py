"""A pod template -> the fields of one spec workload.

The main container is the one named after the workload (crossdock's own output), else the
first; the other containers become sidecars (in a job, native sidecars only: init containers
with ``restartPolicy: Always``), other init containers init steps.  ConfigMap volumes
become config files with their content, Secret volumes and ``secretKeyRef``s secret mounts,
claims named volumes, emptyDirs scratch space.  Kubernetes' ``$(VAR)`` references in env
values, command and args are resolved the way the kubelet does (``values.from_kube``).
"""

from __future__ import annotations

from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_mounts import read_mount, read_placement
from crossdock.translators.importers.kubernetes_probes import read_probe
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_security import PodSecurity
from crossdock.translators.importers.kubernetes_values import Context, cpu, dns_name, from_kube, \
    memory, valid

# Values Kubernetes fills in itself (exported manifests carry them): the spec means the same.
_DEFAULTS: dict[str, Any] = {
    "terminationMessagePath": ("/dev/termination-log",), "terminationMessagePolicy": ("File",),
    "dnsPolicy": ("ClusterFirst",), "schedulerName": ("default-scheduler",), "securityContext": ({},),
    "terminationGracePeriodSeconds": (30,), "enableServiceLinks": (False,),  # crossdock renders false
}


def default_pull_policy(image: str) -> str:
    """Kubernetes' imagePullPolicy when none is given: Always for :latest or no tag, else IfNotPresent."""
    if "@" in image:
        return "IfNotPresent"
    name = image.rsplit("/", 1)[-1]
    return "IfNotPresent" if ":" in name and not name.endswith(":latest") else "Always"


class PodReader:
    """Reads one pod template of ``m`` (at ``base``) into a workload of ``section``."""

    def __init__(self, ctx: Context, m: Manifest, base: Path, section: str, name: str) -> None:
        self.ctx, self.m, self.base, self.section, self.name = ctx, m, base, section, name
        self.where = f"{section}.{name}"
        self.spec: Path = (*base, "spec")
        self.templates: dict[str, str] = {}  # a StatefulSet's volumeClaimTemplates -> spec volume
        self.slots: dict[int, int] = {}  # id of a secret mount -> its index in the spec crossdock rendered
        self.security = PodSecurity(self)

    def lose(self, path: Path, message: str, kind: str = "dropped", spec_field: str = "") -> None:
        self.ctx.lose(self.m, path, message, kind, f"{self.where}.{spec_field}" if spec_field else "")

    def read(self, w: dict[str, Any]) -> bool:
        """Fill ``w`` from the pod template; False when it has no usable container (nothing imported)."""
        m, spec = self.m, self.spec
        for key, values in _DEFAULTS.items():
            if m.data_at(*spec, key) in values:
                m.use(*spec, key)
        containers = m.list_at(*spec, "containers")
        usable = [i for i, c in enumerate(containers) if isinstance(c, dict) and valid("image", c.get("image"))]
        if not usable:
            self.lose(spec, "no container with an image: the workload is not imported")
            m.used.add(())
            return False
        main = next((i for i in usable if containers[i].get("name") == self.name), usable[0])
        volumes = {v["name"]: (i, v) for i, v in enumerate(m.list_at(*spec, "volumes"))
                   if isinstance(v, dict) and isinstance(v.get("name"), str)}
        self._main(w, main, volumes)
        job = self.section != "services"
        sidecars = [] if job else [self._step((*spec, "containers", i)) for i in usable if i != main]
        for i in usable:
            if job and i != main:
                # A Job's pod completes when all its regular containers have; a spec job's
                # sidecars are native sidecars, stopped when the main container completes.
                self.lose((*spec, "containers", i), "a second regular container of a job's pod (a job's "
                          "sidecars are native sidecars): this container is not imported")
        init = []
        for i, c in enumerate(m.list_at(*spec, "initContainers")):
            if not isinstance(c, dict) or not valid("image", c.get("image")):
                continue
            if c.get("restartPolicy") == "Always":  # a native sidecar (1.29+)
                m.use(*spec, "initContainers", i, "restartPolicy")
                sidecars.append(self._step((*spec, "initContainers", i)))
            else:
                init.append(self._step((*spec, "initContainers", i)))
        if sidecars:
            w["sidecars"] = sidecars
        if init:
            w["init"] = init
        self._placement(w)
        self.security.pod_fields(w, (*spec, "containers", main))
        self.security.finish()
        return True

    # ---- containers -----------------------------------------------------------------------

    def _main(self, w: dict[str, Any], index: int, volumes: dict[Any, tuple[int, dict[str, Any]]]) -> None:
        m = self.m
        c: Path = (*self.spec, "containers", index)
        m.use(*c, "name")
        m.names[c] = self.name
        m.main = c
        self._common(c, w)
        env = self._env(c, w, allow_secrets=True)
        if env:
            w["env"] = env
        self._resolve_command(c, w, env)
        if self.section == "services":
            self._ports(c, w)
            health = {kind: p for kind, key in (("liveness", "livenessProbe"), ("readiness", "readinessProbe"),
                                                ("startup", "startupProbe"))
                      if (p := read_probe(self, (*c, key), kind)) is not None}
            if health:
                w["health"] = health
        self._mounts(c, w, volumes)
        if self.slots and "secrets" in w:
            w["secrets"] = _in_slots(w["secrets"], self.slots)

    def _step(self, c: Path) -> dict[str, Any]:
        m = self.m
        raw = m.get(*c, "name")
        raw = raw if isinstance(raw, str) and raw else "step"
        name = dns_name(raw, 52, True)
        if name != raw:
            self.lose((*c, "name"), f"renamed '{name}': a step name is lowercase letters, digits and '-', "
                      "starting with a letter", "changed")
        m.names[c] = name
        step: dict[str, Any] = {"name": name}
        m.steps[id(step)] = c
        self._common(c, step)
        env = self._env(c, step, allow_secrets=False)
        if env:
            step["env"] = env
        self._resolve_command(c, step, env)
        return step

    def _common(self, c: Path, w: dict[str, Any]) -> None:
        m = self.m
        for key, values in _DEFAULTS.items():
            if m.data_at(*c, key) in values:
                m.use(*c, key)
        w["image"] = m.get(*c, "image")
        if m.data_at(*c, "imagePullPolicy") == default_pull_policy(w["image"]):
            m.use(*c, "imagePullPolicy")
        for key in ("command", "args"):
            value = m.data_at(*c, key)
            if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                               for v in value):
                m.use(*c, key)
                w[key] = [str(v) for v in value]
        res = self._resources(c)
        if res:
            w["resources"] = res
        self.security.container(c, w)

    def _resolve_command(self, c: Path, w: dict[str, Any], env: dict[str, str]) -> None:
        defined: dict[str, str | None] = {}
        for e in self.m.list_at(*c, "env"):
            if isinstance(e, dict) and isinstance(e.get("name"), str):
                defined[e["name"]] = env.get(e["name"])
        for key in ("command", "args"):
            if key in w:
                out = []
                for i, text in enumerate(w[key]):
                    value, kept = from_kube(text, defined)
                    for ref in kept:
                        self.lose((*c, key, i), f"Kubernetes replaces $({ref}) with the env var {ref}, which the "
                                  "spec cannot refer to: kept as text", "changed")
                    out.append(value)
                w[key] = out

    def _resources(self, c: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for which in ("requests", "limits"):
            block = self.m.get(*c, "resources", which)
            if not isinstance(block, dict):
                continue
            amounts: dict[str, str] = {}
            for key, convert in (("cpu", cpu), ("memory", memory)):
                if key in block:
                    value = convert(block[key])
                    if value is None:
                        self.lose((*c, "resources", which, key), "not a quantity the spec can hold: not imported")
                    else:
                        self.m.use(*c, "resources", which, key)
                        amounts[key] = value
            if amounts:
                out[which] = amounts
        return out

    def _env(self, c: Path, w: dict[str, Any], allow_secrets: bool) -> dict[str, str]:
        m = self.m
        env: dict[str, str] = {}
        defined: dict[str, str | None] = {}
        for i, e in enumerate(m.list_at(*c, "env")):
            if not isinstance(e, dict) or not valid("env", e.get("name")):
                continue
            var, path = e["name"], (*c, "env", i)
            if ("value" in e and isinstance(e["value"], (str, int))) or set(e) == {"name"}:
                text, kept = from_kube(str(e.get("value") or ""), defined)
                for ref in kept:
                    self.lose((*path, "value"), f"Kubernetes replaces $({ref}) with the env var {ref}, which the "
                              "spec cannot refer to: kept as text", "changed")
                m.use(*path)
                verdict = self.ctx.rules.classify(var, text) if text else None
                if verdict:
                    self._secret_value(w, (*path, "value"), var, verdict.reason, allow_secrets)
                    defined[var] = None
                    continue
                env[var] = text
                defined[var] = text
                continue
            ref = m.data_at(*path, "valueFrom", "secretKeyRef")
            cm = m.data_at(*path, "valueFrom", "configMapKeyRef")
            if (isinstance(ref, dict) and allow_secrets and isinstance(ref.get("name"), str)
                    and isinstance(ref.get("key"), str)):
                m.use(*path, "name")
                m.use(*path, "valueFrom", "secretKeyRef", "name")
                m.use(*path, "valueFrom", "secretKeyRef", "key")
                secret = self.ctx.secret_ref(m, (*path, "valueFrom"), ref["name"], ref["key"])
                w.setdefault("secrets", []).append({"secret": secret, "env": var})
                defined[var] = None
            elif isinstance(cm, dict) and self._config_value(path, cm) is not None:
                m.use(*path)
                value = self._config_value(path, cm) or ""
                verdict = self.ctx.rules.classify(var, value) if value else None
                if verdict:
                    self._secret_value(w, path, var, verdict.reason, allow_secrets,
                                       self.ctx.config_where(str(cm.get("name")), str(cm.get("key"))))
                    defined[var] = None
                    continue
                env[var] = defined[var] = value
            else:
                defined[var] = None  # the downward API and the like: kept for Kubernetes only
        for i, src in enumerate(m.list_at(*c, "envFrom")):
            if isinstance(src, dict):
                self._env_from((*c, "envFrom", i), src, env, w, allow_secrets)
        return env

    def _secret_value(self, w: dict[str, Any], path: Path, var: str, reason: str, allow_secrets: bool,
                      where: str = "") -> None:
        """A plain value the classifier calls secret: a secret of the main container, read from
        the environment; an init step or a sidecar takes no secrets, so there it is left out."""
        if allow_secrets:
            name = self.ctx.literal_secret(self.m, path, var, f"{self.where}.secrets", reason, where)
            w.setdefault("secrets", []).append({"secret": name, "env": var})
        else:
            self.lose(path, f"the value of {var} looks secret ({reason}) and an init step or a sidecar takes no "
                      "secrets: not copied; give this container the variable on the platform", "dropped",
                      f"env.{var}")

    def _config_value(self, path: Path, ref: dict[str, Any]) -> str | None:
        cm = self.ctx.config_maps.get(str(ref.get("name")))
        data = cm.data.get("data") if cm is not None else None
        if not isinstance(data, dict) or not isinstance(data.get(str(ref.get("key"))), str):
            return None
        self.ctx.used_config_maps.add(str(ref.get("name")))
        return str(data[str(ref.get("key"))])

    def _env_from(self, path: Path, src: dict[str, Any], env: dict[str, str], w: dict[str, Any],
                  allow_secrets: bool) -> None:
        m, prefix = self.m, str(src["prefix"]) if isinstance(src.get("prefix"), str) else ""
        if isinstance(src.get("configMapRef"), dict):
            cm_name = str(src["configMapRef"].get("name"))
            cm = self.ctx.config_maps.get(cm_name)
            data = cm.data.get("data") if cm is not None else None
            if isinstance(data, dict):
                m.use(*path)
                self.ctx.used_config_maps.add(cm_name)
                for key, value in data.items():
                    verdict = self.ctx.rules.classify(prefix + str(key), value) if isinstance(value, str) \
                        and value else None
                    if verdict and valid("env", prefix + str(key)):
                        self._secret_value(w, path, prefix + str(key), verdict.reason, allow_secrets,
                                           self.ctx.config_where(cm_name, str(key)))
                    elif valid("env", prefix + str(key)) and isinstance(value, str):
                        env[prefix + str(key)] = str(value)
                    else:  # Kubernetes skips these too, with an event
                        self.lose(path, f"the key '{key}' is not an environment variable name: not imported")
        elif isinstance(src.get("secretRef"), dict) and allow_secrets:
            obj = str(src["secretRef"].get("name"))
            keys = self.ctx.secret_keys(obj)
            if keys is not None:
                m.use(*path)
                for key in keys:
                    if not valid("env", prefix + key):
                        self.lose(path, f"the key '{key}' is not an environment variable name: not imported")
                        continue
                    w.setdefault("secrets", []).append(
                        {"secret": self.ctx.secret_ref(m, path, obj, key), "env": prefix + key})

    # ---- ports and probes -----------------------------------------------------------------

    def _ports(self, c: Path, w: dict[str, Any]) -> None:
        m = self.m
        ports = []
        for i, p in enumerate(m.list_at(*c, "ports")):
            number = p.get("containerPort") if isinstance(p, dict) else None
            if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 65535:
                continue
            path = (*c, "ports", i)
            for key in ("name", "containerPort", "protocol"):
                m.use(*path, key)
            protocol = str(p["protocol"]).lower() if isinstance(p.get("protocol"), str) else "tcp"
            if protocol not in ("tcp", "udp"):
                self.lose((*path, "protocol"), f"the spec's ports are tcp or udp: {protocol} imported as tcp",
                          "changed")
                protocol = "tcp"
            raw = p.get("name") if isinstance(p.get("name"), str) else ""
            name = dns_name(raw, 15, True) if raw else ""
            if name != raw:
                self.lose((*path, "name"), f"renamed '{name}': a port name is lowercase letters, digits and '-', "
                          "starting with a letter, at most 15 characters", "changed")
            port: dict[str, Any] = {"name": name, "port": p["containerPort"]}
            if protocol != "tcp":
                port["protocol"] = protocol
            ports.append(port)
        taken = {p["name"] for p in ports}
        for p in ports:
            if not p["name"]:
                base = f"port-{p['port']}" + ("-udp" if p.get("protocol") == "udp" else "")
                p["name"] = base
                taken.add(base)
        if ports:
            w["ports"] = ports

    # ---- volumes ---------------------------------------------------------------------------

    def _mounts(self, c: Path, w: dict[str, Any], volumes: dict[Any, tuple[int, dict[str, Any]]]) -> None:
        for i, mount in enumerate(self.m.list_at(*c, "volumeMounts")):
            if isinstance(mount, dict):
                read_mount(self, (*c, "volumeMounts", i), mount, volumes, w)

    # ---- placement -------------------------------------------------------------------------

    def _placement(self, w: dict[str, Any]) -> None:
        placement = read_placement(self)
        if placement:
            w["placement"] = placement


def _in_slots(secrets: list[dict[str, Any]], slots: dict[int, int]) -> list[dict[str, Any]]:
    """Secrets in the order crossdock rendered them from: the file ones at the index their volume
    name gives (secret-<i>), the others filling the free places in their order."""
    out: list[dict[str, Any] | None] = [None] * len(secrets)
    rest = []
    for s in secrets:
        i = slots.get(id(s))
        if i is not None and i < len(out) and out[i] is None:
            out[i] = s
        else:
            rest.append(s)
    for s in rest:
        out[out.index(None)] = s
    return [s for s in out if s is not None]
