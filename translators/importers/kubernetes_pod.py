"""A pod template -> the fields of one spec workload.

The main container is the one named after the workload (crossdock's own output), else the
first; the other containers become sidecars, init containers init steps.  ConfigMap volumes
become config files with their content, Secret volumes and ``secretKeyRef``s secret mounts,
claims named volumes, emptyDirs scratch space.  Kubernetes' ``$(VAR)`` references in env
values, command and args are resolved the way the kubelet does (``values.from_kube``).
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers.kubernetes_mounts import read_mount, read_placement
from crossdock.translators.importers.kubernetes_read import Manifest
from crossdock.translators.importers.kubernetes_values import Context, cpu, dns_name, duration, from_kube, \
    looks_secret, memory

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PROBE_DEFAULTS = {"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3, "initialDelaySeconds": 0,
                   "successThreshold": 1}
_PROBE_FIELDS = (("periodSeconds", "interval"), ("timeoutSeconds", "timeout"), ("initialDelaySeconds", "start_period"))
# Values Kubernetes fills in itself (exported manifests carry them): the spec means the same.
_DEFAULTS: dict[str, Any] = {
    "imagePullPolicy": ("IfNotPresent", "Always"), "terminationMessagePath": ("/dev/termination-log",),
    "terminationMessagePolicy": ("File",), "dnsPolicy": ("ClusterFirst",), "schedulerName": ("default-scheduler",),
    "securityContext": ({},), "terminationGracePeriodSeconds": (30,), "enableServiceLinks": (False, True),
}


class PodReader:
    """Reads one pod template of ``m`` (at ``base``) into a workload of ``section``."""

    def __init__(self, ctx: Context, m: Manifest, base: Path, section: str, name: str) -> None:
        self.ctx, self.m, self.base, self.section, self.name = ctx, m, base, section, name
        self.where = f"{section}.{name}"
        self.spec: Path = (*base, "spec")
        self.templates: dict[str, str] = {}  # a StatefulSet's volumeClaimTemplates -> spec volume

    def lose(self, path: Path, message: str, kind: str = "dropped", spec_field: str = "") -> None:
        self.ctx.lose(self.m, path, message, kind, f"{self.where}.{spec_field}" if spec_field else "")

    def read(self, w: dict[str, Any]) -> None:
        m, spec = self.m, self.spec
        for key, values in _DEFAULTS.items():
            if m.data_at(*spec, key) in values:
                m.use(*spec, key)
        containers = m.data_at(*spec, "containers") or []
        if not containers:
            self.lose(spec, "no containers: nothing to import")
            return
        main = next((i for i, c in enumerate(containers) if isinstance(c, dict) and c.get("name") == self.name), 0)
        volumes = {v.get("name"): (i, v) for i, v in enumerate(m.data_at(*spec, "volumes") or []) if isinstance(v, dict)}
        self._main(w, main, volumes)
        sidecars = [self._step((*spec, "containers", i)) for i in range(len(containers)) if i != main]
        init = []
        for i, c in enumerate(m.data_at(*spec, "initContainers") or []):
            if isinstance(c, dict) and c.get("restartPolicy") == "Always":  # a native sidecar (1.29+)
                m.use(*spec, "initContainers", i, "restartPolicy")
                sidecars.append(self._step((*spec, "initContainers", i)))
            else:
                init.append(self._step((*spec, "initContainers", i)))
        if sidecars:
            if self.section == "services":
                w["sidecars"] = sidecars
            else:
                for i in range(len(containers)):
                    if i != main:
                        self.lose((*spec, "containers", i), "a job's spec has no sidecars: this container is not "
                                  "imported")
        if init:
            w["init"] = init
        self._placement(w)

    # ---- containers -----------------------------------------------------------------------

    def _main(self, w: dict[str, Any], index: int, volumes: dict[Any, tuple[int, dict[str, Any]]]) -> None:
        m = self.m
        c: Path = (*self.spec, "containers", index)
        m.use(*c, "name")
        m.names[c] = self.name
        self._common(c, w)
        env = self._env(c, w, allow_secrets=True)
        if env:
            w["env"] = env
        self._resolve_command(c, w, env)
        if self.section == "services":
            self._ports(c, w)
            health = {kind: p for kind, key in (("liveness", "livenessProbe"), ("readiness", "readinessProbe"),
                                                ("startup", "startupProbe"))
                      if (p := self._probe((*c, key), kind, w)) is not None}
            if health:
                w["health"] = health
        self._mounts(c, w, volumes)

    def _step(self, c: Path) -> dict[str, Any]:
        m = self.m
        raw = str(m.get(*c, "name") or "step")
        name = dns_name(raw, 52, True)
        if name != raw:
            self.lose((*c, "name"), f"renamed '{name}': a step name is lowercase letters, digits and '-', "
                      "starting with a letter", "changed")
        m.names[c] = name
        step: dict[str, Any] = {"name": name}
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
        w["image"] = str(m.get(*c, "image") or "")
        if not w["image"]:
            self.lose(c, "no image: imported as 'missing-image'", "changed")
            w["image"] = "missing-image"
        for key in ("command", "args"):
            value = m.get(*c, key)
            if isinstance(value, list):
                w[key] = [str(v) for v in value]
        res = self._resources(c)
        if res:
            w["resources"] = res

    def _resolve_command(self, c: Path, w: dict[str, Any], env: dict[str, str]) -> None:
        defined: dict[str, str | None] = {}
        for e in self.m.data_at(*c, "env") or []:
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
        for i, e in enumerate(m.data_at(*c, "env") or []):
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                continue
            var, path = e["name"], (*c, "env", i)
            if "value" in e or set(e) == {"name"}:
                text, kept = from_kube(str(e.get("value") or ""), defined)
                for ref in kept:
                    self.lose((*path, "value"), f"Kubernetes replaces $({ref}) with the env var {ref}, which the "
                              "spec cannot refer to: kept as text", "changed")
                m.use(*path)
                if looks_secret(var) and text and allow_secrets:
                    name = self.ctx.literal_secret(m, (*path, "value"), var, f"{self.where}.secrets")
                    w.setdefault("secrets", []).append({"secret": name, "env": var})
                    defined[var] = None
                    continue
                env[var] = text
                defined[var] = text
                continue
            ref = m.data_at(*path, "valueFrom", "secretKeyRef")
            cm = m.data_at(*path, "valueFrom", "configMapKeyRef")
            if isinstance(ref, dict) and allow_secrets:
                m.use(*path, "name")
                m.use(*path, "valueFrom", "secretKeyRef", "name")
                m.use(*path, "valueFrom", "secretKeyRef", "key")
                secret = self.ctx.secret_ref(m, (*path, "valueFrom"), str(ref.get("name")), str(ref.get("key")))
                w.setdefault("secrets", []).append({"secret": secret, "env": var})
                defined[var] = None
            elif isinstance(cm, dict) and self._config_value(path, cm) is not None:
                m.use(*path)
                env[var] = defined[var] = self._config_value(path, cm) or ""
            else:
                defined[var] = None  # the downward API and the like: kept for Kubernetes only
        for i, src in enumerate(m.data_at(*c, "envFrom") or []):
            if isinstance(src, dict):
                self._env_from((*c, "envFrom", i), src, env, w, allow_secrets)
        return env

    def _config_value(self, path: Path, ref: dict[str, Any]) -> str | None:
        cm = self.ctx.config_maps.get(str(ref.get("name")))
        data = cm.data.get("data") if cm is not None else None
        if not isinstance(data, dict) or str(ref.get("key")) not in data:
            return None
        self.ctx.used_config_maps.add(str(ref.get("name")))
        return str(data[str(ref.get("key"))])

    def _env_from(self, path: Path, src: dict[str, Any], env: dict[str, str], w: dict[str, Any],
                  allow_secrets: bool) -> None:
        m, prefix = self.m, str(src.get("prefix") or "")
        if isinstance(src.get("configMapRef"), dict):
            cm_name = str(src["configMapRef"].get("name"))
            cm = self.ctx.config_maps.get(cm_name)
            data = cm.data.get("data") if cm is not None else None
            if isinstance(data, dict):
                m.use(*path)
                self.ctx.used_config_maps.add(cm_name)
                for key, value in data.items():
                    if _ENV_NAME.fullmatch(prefix + str(key)):
                        env[prefix + str(key)] = str(value)
                    else:  # Kubernetes skips these too, with an event
                        self.lose(path, f"the key '{key}' is not an environment variable name: not imported")
        elif isinstance(src.get("secretRef"), dict) and allow_secrets:
            obj = str(src["secretRef"].get("name"))
            keys = self.ctx.secret_keys(obj)
            if keys is not None:
                m.use(*path)
                for key in keys:
                    w.setdefault("secrets", []).append(
                        {"secret": self.ctx.secret_ref(m, path, obj, key), "env": prefix + key})

    # ---- ports and probes -----------------------------------------------------------------

    def _ports(self, c: Path, w: dict[str, Any]) -> None:
        m = self.m
        ports = []
        for i, p in enumerate(m.data_at(*c, "ports") or []):
            if not isinstance(p, dict) or not isinstance(p.get("containerPort"), int):
                continue
            path = (*c, "ports", i)
            for key in ("name", "containerPort", "protocol"):
                m.use(*path, key)
            protocol = str(p.get("protocol") or "TCP").lower()
            if protocol not in ("tcp", "udp"):
                self.lose((*path, "protocol"), f"the spec's ports are tcp or udp: {protocol} imported as tcp",
                          "changed")
                protocol = "tcp"
            raw = str(p.get("name") or "")
            name = dns_name(raw, 15, True) if raw else ""
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

    def _probe(self, path: Path, kind: str, w: dict[str, Any]) -> dict[str, Any] | None:
        m = self.m
        raw = m.data_at(*path)
        if not isinstance(raw, dict):
            return None
        spec_field = f"health.{kind}"
        probe: dict[str, Any] = {}
        if isinstance(raw.get("httpGet"), dict):
            m.use(*path, "httpGet", "path")
            m.use(*path, "httpGet", "port")
            if raw["httpGet"].get("scheme") in (None, "HTTP"):
                m.use(*path, "httpGet", "scheme")
            probe["http"] = {"port": self._port_ref(raw["httpGet"].get("port"), w)}
            if raw["httpGet"].get("path", "/") != "/":
                probe["http"]["path"] = str(raw["httpGet"]["path"])
        elif isinstance(raw.get("tcpSocket"), dict):
            m.use(*path, "tcpSocket", "port")
            probe["tcp"] = {"port": self._port_ref(raw["tcpSocket"].get("port"), w)}
        elif isinstance(m.data_at(*path, "exec", "command"), list) and raw["exec"]["command"]:
            m.use(*path, "exec", "command")
            probe["exec"] = [str(a) for a in raw["exec"]["command"]]
        else:
            self.lose(path, "the spec's checks are http, tcp or a command: this probe is not imported", "dropped",
                      spec_field)
            return None
        for key, value in _PROBE_DEFAULTS.items():
            if raw.get(key, value) == value:
                m.use(*path, key)
        for key, spec_key in _PROBE_FIELDS:
            seconds = raw.get(key, _PROBE_DEFAULTS[key])
            if isinstance(seconds, int) and seconds != _PROBE_DEFAULTS[key]:
                m.use(*path, key)
                probe[spec_key] = duration(seconds)
        retries = raw.get("failureThreshold", 3)
        if isinstance(retries, int) and retries != 3 and retries >= 1:
            m.use(*path, "failureThreshold")
            probe["retries"] = retries
        return probe

    def _port_ref(self, value: Any, w: dict[str, Any]) -> int | str:
        if isinstance(value, int):
            return value
        names = {p["name"] for p in w.get("ports", [])}
        text = str(value)
        return text if text in names else dns_name(text, 15, True)

    # ---- volumes ---------------------------------------------------------------------------

    def _mounts(self, c: Path, w: dict[str, Any], volumes: dict[Any, tuple[int, dict[str, Any]]]) -> None:
        for i, mount in enumerate(self.m.data_at(*c, "volumeMounts") or []):
            if isinstance(mount, dict):
                read_mount(self, (*c, "volumeMounts", i), mount, volumes, w)

    # ---- placement -------------------------------------------------------------------------

    def _placement(self, w: dict[str, Any]) -> None:
        placement = read_placement(self)
        if placement:
            w["placement"] = placement
