"""A compose service's ports, volumes, tmpfs, configs and secrets, as the spec's.

- ports (short and long syntax) and ``expose``: one spec port per container port; published
  ports keep their host port (a port compose publishes on a free host port is published with
  none: the platform picks); a port bound to the host's loopback (127.0.0.1, ::1) is for the
  Docker host alone, which no platform has: it is not published; another host address or host
  mode is reported, since the spec publishes on every interface through the platform's routing;
- named volumes -> volume mounts (declared under the app's ``volumes:``); anonymous volumes and
  ``tmpfs`` -> scratch space; a bind mount of a file -> a config file holding a copy of it (read
  at import time); other bind mounts cannot be carried (no host paths in a portable spec);
- configs -> config files with their content inline (from ``file:``, ``content:`` or
  ``environment:``); secrets -> the app's secrets (``from_file``, ``from_env`` or ``external``),
  mounted at ``/run/secrets/<name>`` or their target.

A bind-mounted file or a config file that holds credentials (``specs.classify.classify_file``: a
key, ``.npmrc``, ``credentials.json``, a target under ``/run/secrets``, a PEM private key or a
password line in its text) is never copied: it becomes a ``from_file`` secret read from the same
file when the spec is used, mounted where the file was.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from crossdock.errors import InputError
from crossdock.specs.classify import classify_file
from crossdock.specs.types import carriable
from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.base import safe_env_source
from crossdock.translators.importers.compose_context import Context

SECRETS_DIR = "/run/secrets"
EMPTY_TEMPLATE = '{{""}}'  # crossdock's Swarm stand-in for an empty config file
# Docker binds a port given a loopback address on the host's loopback interface only.
_LOOPBACK = re.compile(r"127(\.[0-9]{1,3}){3}|::1")
NOT_TEXT = ("holds a NUL character or bytes that are not UTF-8 text, which no platform carries in a config "
            "file: not carried")


def go_literal_undone(text: str) -> str:
    """Undo crossdock's escaping of ``{{`` for Swarm's task templates."""
    return text.replace('{{"{{"}}', "{{")


def ports(ctx: Context, at: Path, svc: dict[str, Any], service: str) -> list[dict[str, Any]]:
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for i, item in enumerate(svc.get("ports") or []):
        path = at + ("ports", i)
        mappings = _port_item(ctx, path, item)
        for m in mappings:
            key = (m.target, m.protocol)
            if m.protocol == "sctp":
                ctx.loss(path, "SCTP ports cannot be carried: the spec has tcp and udp")
                continue
            if key in out and out[key].get("publish"):
                ctx.loss(path, f"container port {m.target} is already published: the spec publishes a port once")
                continue
            port: dict[str, Any] = {"name": m.name or _port_name(m.target, m.protocol), "port": m.target}
            if m.protocol != "tcp":
                port["protocol"] = m.protocol
            out[key] = port
            if m.host_ip and _LOOPBACK.fullmatch(m.host_ip):
                ctx.loss(path, f"published on {m.host_ip} only, for the Docker host itself: the spec has no "
                         "host-only binding, so the port is not published (reachable only inside the app)",
                         "changed")
                continue
            if m.host_ip and m.host_ip not in ("0.0.0.0", "::"):
                ctx.loss(path, f"published on {m.host_ip} only in compose; the spec publishes on every interface",
                         "changed")
            if m.mode == "host":
                ctx.loss(path, "host-mode publishing becomes the platform's default routing", "changed")
            port["publish"] = True
            me = (service, m.target)
            owner = ctx.published.setdefault((m.published, m.protocol), me) if m.published else me
            if owner != me:
                ctx.loss(path, f"host port {m.published} is also published by {owner[0]} (port {owner[1]}): the "
                         "platform picks this one's host port", "changed")
            elif m.published is not None:
                port["published_port"] = m.published
            else:  # compose picks a free host port (docker's ephemeral range)
                ctx.loss(path, f"container port {m.target} is published on a port the platform picks, as compose "
                         "picks a free host port", "changed")
    for i, item in enumerate(svc.get("expose") or []):
        exposed = units.short_ports(str(ctx.value(item, at + ("expose", i))))
        if exposed is None:
            ctx.loss(at + ("expose", i), f"cannot read the port '{item}'")
            continue
        for m in exposed:
            out.setdefault((m.target, m.protocol), {"name": _port_name(m.target, m.protocol), "port": m.target,
                                                    **({"protocol": m.protocol} if m.protocol != "tcp" else {})})
    return list(out.values())


def _port_name(target: int, protocol: str) -> str:
    return f"{protocol}-{target}"


def _port_item(ctx: Context, path: Path, item: Any) -> list[units.PortMapping]:
    if isinstance(item, dict):
        target = ctx.value(item.get("target"), path + ("target",))
        published = ctx.value(item.get("published"), path + ("published",))
        try:
            t = int(str(target))
            pub = int(str(published)) if published not in (None, "") else None
        except ValueError:
            ctx.loss(path, "cannot read this port (a published range in long syntax is not carried)")
            return []
        if not 1 <= t <= 65535 or (pub is not None and not 1 <= pub <= 65535):
            ctx.loss(path, "a port is a number from 1 to 65535: not carried")
            return []
        name = item.get("name")
        name = name if isinstance(name, str) and len(name) <= 15 and units.workload_name(name) == name else None
        for key in sorted(set(item) - {"target", "published", "protocol", "mode", "host_ip", "name"}):
            ctx.loss(path + (key,), f"port option '{key}' is not carried")
        return [units.PortMapping(t, pub, str(item.get("protocol") or "tcp"), item.get("host_ip"), name,
                                  item.get("mode"))]
    mappings = units.short_ports(str(ctx.value(item, path)))
    if mappings is None:
        ctx.loss(path, f"cannot read the port '{item}' (expected [host_ip:][published:]target[/protocol], "
                 "ranges of at most 100 ports)")
        return []
    return mappings


def mounts(ctx: Context, at: Path, name: str, svc: dict[str, Any], section: str
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(volume mounts, config files made from bind-mounted files, secret mounts made from
    bind-mounted files holding credentials)."""
    volumes: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    secret_files: list[dict[str, Any]] = []
    for i, item in enumerate(svc.get("volumes") or []):
        path = at + ("volumes", i)
        mount = _volume_item(ctx, path, item)
        if mount is None:
            continue
        kind, source, target, read_only, size = mount
        target = go_literal_undone(target) if ctx.crossdock else target
        if not target.startswith("/"):
            ctx.loss(path, f"the target '{target}' is not an absolute path in the container")
            continue
        if kind == "volume" and source:
            vname = units.object_name(source)
            ctx.volumes.setdefault(vname, {})
            entry: dict[str, Any] = {"path": target, "volume": vname}
        elif kind in ("volume", "tmpfs"):
            if kind == "volume":
                ctx.loss(path, "an anonymous volume becomes scratch space: its data does not outlive the "
                         "container", "changed")
            entry = {"path": target, "scratch": True}
            if size:
                entry["size"] = size
        elif kind == "bind":
            conf = _bind_file(ctx, path, name, source, target)
            if conf is not None:
                (secret_files if "secret" in conf else files).append(conf)
            continue
        else:
            ctx.loss(path, f"a '{kind}' mount cannot be carried")
            continue
        if read_only:
            entry["read_only"] = True
        volumes.append(entry)
    tmpfs = svc.get("tmpfs")
    for i, item in enumerate(tmpfs if isinstance(tmpfs, list) else [tmpfs] if tmpfs else []):
        target, _, opts = str(item).partition(":")
        if not target.startswith("/"):
            ctx.loss(at + ("tmpfs",), f"the target '{target}' is not an absolute path in the container")
            continue
        entry = {"path": target, "scratch": True}
        for opt in (o for o in opts.split(",") if o):
            size = units.memory(opt[len("size="):]) if opt.startswith("size=") else None
            if size:
                entry["size"] = size
            else:
                ctx.loss(at + (("tmpfs", i) if isinstance(tmpfs, list) else ("tmpfs",)),
                         f"tmpfs option '{opt}' is not carried")
        volumes.append(entry)
    return volumes, files, secret_files


def _volume_item(ctx: Context, path: Path, item: Any) -> tuple[str, str | None, str, bool, str | None] | None:
    """(kind, source, target, read_only, size) of one volumes entry."""
    if isinstance(item, dict):
        kind = str(item.get("type") or "volume")
        source = item.get("source")
        target = str(ctx.text(item.get("target") or "", path + ("target",)))
        size = None
        if isinstance(item.get("tmpfs"), dict) and item["tmpfs"].get("size") is not None:
            size = units.memory(ctx.value(item["tmpfs"]["size"], path + ("tmpfs", "size")))
            if size is None:
                ctx.loss(path + ("tmpfs", "size"), f"cannot read the size '{item['tmpfs']['size']}': not carried")
        for key in sorted(set(item["tmpfs"]) - {"size"} if isinstance(item.get("tmpfs"), dict) else ()):
            ctx.loss(path + ("tmpfs", key), f"tmpfs option '{key}' is not carried: scratch space has the "
                     "platform's default mode")
        for key in sorted(set(item) - {"type", "source", "target", "read_only", "tmpfs"}):
            if not (ctx.crossdock and key == "volume"):
                ctx.loss(path + (key,), f"volume option '{key}' is not carried")
        return kind, (str(ctx.value(source, path + ("source",))) if source else None), target, \
            bool(item.get("read_only")), size
    text = str(ctx.value(item, path))
    parts = text.split(":")
    if len(parts) == 1:
        return "volume", None, parts[0], False, None
    source, target = parts[0], parts[1]
    opts = parts[2].split(",") if len(parts) > 2 else []
    for opt in opts:
        if opt not in ("ro", "rw", ""):
            ctx.loss(path, f"volume option '{opt}' is not carried")
    kind = "bind" if source.startswith((".", "/", "~")) or "/" in source else "volume"
    return kind, source, target, "ro" in opts, None


def _bind_file(ctx: Context, path: Path, name: str, source: str | None, target: str) -> dict[str, Any] | None:
    if not source:
        return None
    host = posixpath.normpath(posixpath.join(ctx.project.dir_of("services", name), source))
    if source.startswith(("/", "~")) or not ctx.sources.exists(host) or ctx.sources.is_dir(host):
        ctx.loss(path, f"a bind mount of the host path '{source}' cannot be carried: a portable spec has no "
                 "host paths (use a named volume, or config files)")
        return None
    if not ctx.sources.permits(host):
        ctx.loss(path, f"the bind-mounted file '{source}' is outside the project's folder: not read, not carried "
                 "(--allow-path DIR would let crossdock read files under DIR)")
        return None
    try:
        content = ctx.sources.read(host)
    except InputError:
        ctx.loss(path, f"the bind-mounted file '{source}' cannot be read")
        return None
    if not carriable(content):
        ctx.loss(path, f"the bind-mounted file '{source}' {NOT_TEXT}")
        return None
    verdict = classify_file(target, None) or classify_file(host, content)
    if verdict:
        secret = _file_secret(ctx, path, host, f"the bind-mounted file '{source}'", verdict.reason)
        return {"secret": secret, "path": target}
    ctx.loss(path, f"the bind-mounted file '{source}' becomes a config file with a copy of its content "
             "(read-only; later changes on the host are not seen)", "changed")
    return {"path": target, "content": content.replace("$", "$$")}


def _file_secret(ctx: Context, path: Path, host: str, what: str, reason: str) -> str:
    """A ``from_file`` secret for a file that holds credentials (its content is not copied)."""
    name = ctx.claim_secret(units.object_name(posixpath.basename(host)) or "file", f"file:{host}")
    if name not in ctx.secrets:
        ctx.secrets[name] = {"from_file": host}
        ctx.comments[("secrets", name)] = (f"from {ctx.where(path)}: {what} holds credentials ({reason}); read "
                                           f"from {host} (relative to the spec's folder), not copied")
    ctx.loss(path, f"{what} holds credentials ({reason}): it becomes the secret '{name}' read from the file "
             "when the spec is used, not a config file with a copy of it", "changed")
    return name


def _refs(ctx: Context, at: Path, svc: dict[str, Any], kind: str) -> list[tuple[Any, str, Any, Any]]:
    """(source, target as written, mode, top-level definition) of each declared config/secret used."""
    out = []
    top = ctx.project.data.get(kind) or {}
    for i, item in enumerate(svc.get(kind) or []):
        path = at + (kind, i)
        source, target, mode = (item.get("source"), str(item.get("target") or ""), item.get("mode")) \
            if isinstance(item, dict) else (item, "", None)
        for key in ("uid", "gid"):
            if isinstance(item, dict) and key in item:
                ctx.loss(path + (key,), f"the file's {key} is not carried: the platform's default owner applies")
        if source not in top:
            ctx.loss(path, f"{kind[:-1]} '{source}' is not declared under the top-level {kind}:")
            continue
        out.append((source, target, _file_mode(ctx, path, mode), top[source]))
    return out


def _mode(mode: Any) -> dict[str, Any]:
    return {} if mode is None else {"mode": mode}


def _file_mode(ctx: Context, path: Path, mode: Any) -> int | None:
    """A file mode the spec takes (0 to 07777); compose writes octal numbers or strings."""
    if mode is None:
        return None
    if isinstance(mode, str) and re.fullmatch(r"0?[0-7]{3,4}", mode):
        return int(mode, 8)
    if isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode <= 0o7777:
        return mode
    ctx.loss(path + ("mode",), f"'{mode}' is not a file mode (0000 to 7777 in octal): the default mode applies")
    return None


def configs(ctx: Context, at: Path, svc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(config files, secret mounts for the config files that hold credentials)."""
    out, secret_files = [], []
    for source, target, mode, definition in _refs(ctx, at, svc, "configs"):
        target = target if target.startswith("/") else f"/{target or source}"
        target = go_literal_undone(target) if ctx.crossdock else target
        host = _config_host(ctx, str(source), definition)
        content = _config_content(ctx, str(source), definition)
        if content is None:
            continue
        verdict = classify_file(target, None) or (classify_file(host, content) if host else
                                                  classify_file(target, content))
        if verdict:
            what = f"the config '{source}'" + (f" (file {host})" if host else "")
            if host is None:  # inline content or an env var: nothing on disk to read it from
                ctx.loss(("configs", str(source)), f"{what} holds credentials ({verdict.reason}): not carried; "
                         "declare it as a secret", "dropped")
                continue
            secret_files.append({"secret": _file_secret(ctx, ("configs", str(source)), host, what, verdict.reason),
                                 "path": target, **_mode(mode)})
            continue
        out.append({"path": target, "content": content, **_mode(mode)})
    return out, secret_files


def _config_host(ctx: Context, name: str, conf: Any) -> str | None:
    if isinstance(conf, dict) and "file" in conf:
        return posixpath.normpath(posixpath.join(ctx.project.dir_of("configs", name), str(conf["file"])))
    return None


def _config_content(ctx: Context, name: str, conf: Any) -> str | None:
    at: Path = ("configs", name)
    conf = conf if isinstance(conf, dict) else {}
    if "file" in conf:
        host = posixpath.normpath(posixpath.join(ctx.project.dir_of("configs", name), str(conf["file"])))
        if not ctx.sources.permits(host):
            ctx.loss(at + ("file",), f"the config file '{conf['file']}' is outside the project's folder: not read, "
                     "the config is not carried (--allow-path DIR would let crossdock read files under DIR)")
            return None
        try:
            text = ctx.sources.read(host)
        except InputError:
            ctx.loss(at + ("file",), f"the config file '{conf['file']}' cannot be read: the config is not carried")
            return None
        if not carriable(text):
            ctx.loss(at + ("file",), f"the config file '{conf['file']}' {NOT_TEXT}")
            return None
        if ctx.crossdock and conf.get("template_driver") == "golang" and text == EMPTY_TEMPLATE:
            return ""
        if conf.get("template_driver") and not ctx.crossdock:
            ctx.loss(at + ("template_driver",), "the config is carried as written, not as a template", "changed")
        return text.replace("$", "$$")
    if "content" in conf:
        return ctx.text(conf["content"], at + ("content",))
    if "environment" in conf:
        return "${" + str(conf["environment"]) + "}"
    ctx.loss(at, "an external config's content is not in the compose file: not carried")
    return None


def secrets(ctx: Context, at: Path, svc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for source, target, mode, definition in _refs(ctx, at, svc, "secrets"):
        name = declare_secret(ctx, str(source), definition)
        if name is None:
            continue
        target = target or str(source)
        if not target.startswith("/"):
            target = f"{SECRETS_DIR}/{target}"
        out.append({"secret": name, "path": target, **_mode(mode)})
    return out


def declare_secret(ctx: Context, source: str, sec: Any) -> str | None:
    """The app-level secret for a top-level compose secret (declared once); None if not carried."""
    name = ctx.claim_secret(units.object_name(source), f"compose:{source}")
    if name in ctx.secrets:
        return name
    at: Path = ("secrets", source)
    sec = sec if isinstance(sec, dict) else {}
    if sec.get("external"):
        entry: dict[str, Any] = {"external": True}
        if sec.get("name") and not ctx.crossdock:
            ctx.loss(at + ("name",), f"the platform name '{sec['name']}' is not kept: crossdock names it "
                     "<app>_<secret> on Swarm", "changed")
    elif "file" in sec:
        file = posixpath.normpath(posixpath.join(ctx.project.dir_of("secrets", source), str(sec["file"])))
        entry = {"from_file": file}
        ctx.comments[("secrets", name)] = f"from {ctx.where(at)}: read from {file} (relative to the spec's folder)"
    elif "environment" in sec:
        entry = {"from_env": safe_env_source(str(sec["environment"]))}
        if entry["from_env"] != str(sec["environment"]):
            ctx.loss(at + ("environment",), f"{sec['environment']} is a variable the shell always sets: the secret "
                     f"is read from {entry['from_env']} instead", "changed")
    else:
        ctx.loss(at, "a secret needs file:, environment: or external:; not carried")
        return None
    if name != source:
        ctx.loss(at, f"renamed '{name}' (spec names are lowercase letters, digits and '-')", "changed")
    ctx.secrets[name] = entry
    return name
