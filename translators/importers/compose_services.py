"""One compose service as a spec workload: image, command, env, health, deploy, labels, mounts.

A service becomes a spec service, or a job when Swarm runs it to completion (``deploy.mode:
replicated-job``).  ``entrypoint`` is the spec's ``command`` and ``command`` its ``args``, as
in Kubernetes.  A healthcheck becomes the liveness check: it is what Swarm restarts a task on
(compose's own defaults, 30s interval and timeout, are written out since the spec's differ).
Every key not carried is reported with its place.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from crossdock.errors import InputError
from crossdock.specs.imageref import IMAGE_EXPECTED, image_problem
from crossdock.specs.types import describe
from crossdock.specs.variables import substitute
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_mounts as mounts
from crossdock.translators.importers import compose_network as network
from crossdock.translators.importers import compose_runtime as runtime
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.compose_context import Context
from crossdock.translators.importers.compose_deploy import deploy
from crossdock.translators.importers.compose_env import environment

HANDLED = runtime.HANDLED | network.HANDLED | {"image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes",
           "tmpfs", "configs", "secrets", "healthcheck", "depends_on", "deploy", "labels", "restart", "profiles",
           "extends", "scale", "cpus", "mem_limit", "mem_reservation", "links"}
_WHY = {
    "logging": "each platform's default logging applies",
}
_CROSSDOCK_HTTP = re.compile(r"http://127\.0\.0\.1:(\d+)(/\S*)")
_CROSSDOCK_TCP = re.compile(r"nc -z 127\.0\.0\.1 (\d+) 2>/dev/null \|\| nc 127\.0\.0\.1 \1 </dev/null")
COMPOSE_HEALTH_DEFAULTS = {"interval": "30s", "timeout": "30s", "retries": 3, "start_period": "0s"}
SPEC_PROBE_DEFAULTS = {"interval": "10s", "timeout": "1s", "retries": 3, "start_period": "0s"}


def workload(ctx: Context, name: str, svc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(section, the workload as spec data) for the compose service ``name``."""
    at: Path = ("services", name)
    section = ctx.sections[name]
    w: dict[str, Any] = {"image": _image(ctx, at, name, svc)}
    for key, spec_key in (("entrypoint", "command"), ("command", "args")):
        if svc.get(key) is not None:
            w[spec_key] = _command(ctx, at + (key,), svc[key])
            if not w[spec_key]:
                ctx.loss(at + (key,), f"an empty {key} (clearing the image's own) is not carried: the image's applies")
    env, secret_mounts = environment(ctx, at, name, svc)
    w["env"] = env
    w["secrets"] = secret_mounts + mounts.secrets(ctx, at, svc)
    if ctx.crossdock:
        _crossdock_secret_env(w)
    volumes, bind_files, bind_secrets = mounts.mounts(ctx, at, name, svc, section)
    config_files, config_secrets = mounts.configs(ctx, at, svc)
    w["files"] = config_files + bind_files
    w["secrets"] += config_secrets + bind_secrets
    w["volumes"] = volumes
    _one_mount_per_path(ctx, at, w)
    runtime.runtime(ctx, at, svc, w)
    labels = ctx.labels(at + ("labels",), svc.get("labels"))
    deploy(ctx, at, svc, w, section, labels)
    w["labels"] = labels
    if svc.get("depends_on") or svc.get("links"):
        w["depends_on"] = _depends_on(ctx, at, svc.get("depends_on") or [])
        for i, link in enumerate(svc.get("links") or []):  # the v2 format's links: an order and an alias
            target, _, alias = str(link).partition(":")
            if target not in ctx.names:
                ctx.loss(at + ("links", i), f"'{target}' is not a service of this project (or is left out by "
                         "profiles): dropped")
            elif alias and alias != target:  # an alias of the target (compose_network)
                ctx.link_aliases.setdefault(target, []).append((alias, at + ("links", i)))
            if ctx.names.get(target) and ctx.names[target] not in w["depends_on"]:
                w["depends_on"].append(ctx.names[target])
    if section == "services":
        w["ports"] = mounts.ports(ctx, at, svc, name)
        health = _health(ctx, at, svc.get("healthcheck"), w["ports"])
        if health:
            w["health"] = {"liveness": health}
    elif svc.get("healthcheck"):
        ctx.loss(at + ("healthcheck",), "a job has no health check in the spec")
    if svc.get("profiles"):
        ctx.loss(at + ("profiles",), "imported as a regular workload: the spec has no profiles, every workload "
                 "is deployed", "changed")
    if svc.get("build") is not None:
        ctx.loss(at + ("build",), "image builds are not imported: build and push the image, then set image:"
                 + ("" if svc.get("image") else f" (the spec names it '{w['image']}' for now)"))
    for key in sorted(set(svc) - HANDLED):
        if key.startswith("x-"):
            ctx.loss(at + (key,), "extension field not carried")
        else:
            ctx.loss(at + (key,), f"not carried: {_WHY.get(key, 'the spec has no equivalent')}")
    return section, {k: v for k, v in w.items() if v not in ({}, [], None)}


def _as_rendered(ctx: Context, image: str) -> str:
    """The spec's ``image`` text as the spec loader will read it: each variable from the
    environment or the values the spec will hold (.env, defaults), an unset one standing for a
    name set at render (the image is checked then); broken ${...} syntax stays as written, so
    the check refuses it as docker compose would."""
    interp = ctx.project.interp

    def lookup(name: str) -> str:
        value = interp.lookup(name)
        return value if value is not None else interp.defaults.get(name, "placeholder")
    return substitute(image, lookup)[0] if "$" in image else image


def _image(ctx: Context, at: Path, name: str, svc: dict[str, Any]) -> str:
    if svc.get("image"):
        image = ctx.text(svc["image"], at + ("image",))
        why = image_problem(_as_rendered(ctx, image))
        if why is None:
            return image
        raise InputError(f"{ctx.project.where(at + ('image',))}: services.{name}.image: {describe(svc['image'])} is not "
                         f"an image reference{' once its variables are set' if '$' in image else ''}: expected "
                         f"{IMAGE_EXPECTED} ({why})")
    if svc.get("build") is None:
        ctx.loss(at, "the service has neither image: nor build:; the spec needs an image", "changed")
    return f"{ctx.app}-{units.workload_name(name)}"


def _command(ctx: Context, at: Path, value: Any) -> list[str]:
    if isinstance(value, list):
        return [ctx.text(v, at + (i,)) for i, v in enumerate(value)]
    try:
        parts = shlex.split(str(value))
    except ValueError:
        ctx.loss(at, "cannot split this command as a shell would (unbalanced quotes): kept as one argument",
                 "changed")
        parts = [str(value)]
    return [ctx.text(p, at) for p in parts]


def _depends_on(ctx: Context, at: Path, value: Any) -> list[str]:
    out = []
    items = value.items() if isinstance(value, dict) else ((v, None) for v in value)
    for dep, opts in items:
        if dep in ctx.left_out:  # docker compose refuses this, unless the dependency has required: false
            ctx.loss(at + ("depends_on", dep), f"'{dep}' is left out (none of its profiles is chosen): the "
                     f"dependency is dropped (docker compose would refuse it; import with its --profile)")
            continue
        if dep not in ctx.names:
            ctx.loss(at + ("depends_on", dep), f"'{dep}' is not a service of this project: dropped")
            continue
        out.append(ctx.names[dep])
        if isinstance(opts, dict):
            cond = opts.get("condition", "service_started")
            if cond != "service_started":
                ctx.loss(at + ("depends_on", dep, "condition"), f"condition {cond} is not carried: the spec's "
                         "depends_on only records the dependency (no target waits on it); give the dependent "
                         "service retries or a readiness check", "changed")
            for key in sorted(set(opts) - {"condition"}):
                ctx.loss(at + ("depends_on", dep, key), f"depends_on option '{key}' is not carried")
    return out


def _health(ctx: Context, at: Path, hc: Any, ports: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not isinstance(hc, dict) or hc.get("disable") or hc.get("test") in (["NONE"], "NONE", None, []):
        return None
    path = at + ("healthcheck",)
    test = hc["test"] if isinstance(hc["test"], list) else str(hc["test"])
    probe: dict[str, Any] = {}
    if isinstance(test, str):
        probe["exec"] = ["sh", "-c", ctx.text(test, path + ("test",))]
    elif test[0] == "CMD-SHELL":
        shell = " ".join(str(t) for t in test[1:])
        tcp = _CROSSDOCK_TCP.fullmatch(shell) if ctx.crossdock else None
        probe.update({"tcp": {"port": _port_ref(int(tcp.group(1)), ports)}} if tcp else
                     {"exec": ["sh", "-c", ctx.text(shell, path + ("test",))]})
    elif test[0] == "CMD" and len(test) > 1:
        args = [str(t) for t in test[1:]]
        http = _CROSSDOCK_HTTP.fullmatch(args[-1]) if ctx.crossdock and args[:4] == ["wget", "-q", "-O",
                                                                                      "/dev/null"] else None
        if http and len(args) == 5:
            probe["http"] = {"path": http.group(2), "port": _port_ref(int(http.group(1)), ports)}
        else:
            probe["exec"] = [ctx.text(a, path + ("test", i + 1)) for i, a in enumerate(args)]
    else:
        ctx.loss(path + ("test",), "expected CMD or CMD-SHELL and a command, or NONE: the health check is not "
                 "carried")
        return None
    for key, default in COMPOSE_HEALTH_DEFAULTS.items():
        raw = ctx.value(hc.get(key, default), path + (key,))
        value = raw if key == "retries" else units.duration(raw)
        if value is None or (key == "retries" and not (isinstance(value, int) and value > 0)):
            ctx.loss(path + (key,), f"cannot read '{raw}': the spec's default applies", "changed")
            continue
        if value != SPEC_PROBE_DEFAULTS[key]:
            probe[key] = value
    for key in sorted(set(hc) - {"test", "interval", "timeout", "retries", "start_period", "disable"}):
        ctx.loss(path + (key,), f"healthcheck option '{key}' is not carried")
    return probe


def _one_mount_per_path(ctx: Context, at: Path, w: dict[str, Any]) -> None:
    """A container path holds one thing in the spec: the first of files, volumes, secrets wins."""
    seen: dict[str, str] = {}
    for key in ("files", "volumes", "secrets"):
        kept = []
        for item in w.get(key) or []:
            target = item.get("path")
            if target is not None and target in seen:
                ctx.loss(at + ({"files": "configs"}.get(key, key),), f"{target} is already mounted from "
                         f"{seen[target]}: this {key[:-1]} is not mounted there")
                continue
            if target is not None:
                seen[target] = {"files": "a config file", "volumes": "a volume", "secrets": "a secret"}[key]
            kept.append(item)
        w[key] = kept


def _port_ref(number: int, ports: list[dict[str, Any]]) -> int | str:
    return next((p["name"] for p in ports if p["port"] == number), number)


def _crossdock_secret_env(w: dict[str, Any]) -> None:
    """crossdock renders a secret wanted as env var X as a file at /run/secrets/<s> plus X_FILE
    holding that path; a mount it added for that alone has no mode."""
    env = w.get("env") or {}
    secret_mounts: list[dict[str, Any]] = w.get("secrets") or []
    found: dict[str, dict[str, Any]] = {}
    for key in [k for k in env if k.endswith("_FILE")]:
        m = re.fullmatch(r"/run/secrets/([a-z0-9-]+)", env[key])
        path = env[key]
        mount = found.get(path) or next((s for s in secret_mounts if m and s["secret"] == m.group(1)
                                         and s.get("path") == path), None)
        if mount is None:
            continue
        found[path] = mount
        del env[key]
        secret_mounts.append({"secret": mount["secret"], "env": key[: -len("_FILE")]})
        if mount.get("mode") is None and mount in secret_mounts:
            secret_mounts.remove(mount)
