"""Read a Nomad jobspec (HCL2) into the HTTP API's JSON job object, for the subset crossdock
writes, so that a test can show the two files of a job are the same job:

    hcl_to_api(hcl_text) == json.loads(json_text)["Job"]

The jobspec is parsed with HashiCorp's HCL parser (checkers.hcl), then converted the way Nomad's own parser
(``jobspec2``) converts it: labels become ``ID``/``Name``/map keys, blocks become objects or
lists of objects, durations ("1m30s") become integer nanoseconds, ``port`` blocks split into
``ReservedPorts`` (with ``static``) and ``DynamicPorts``, ``meta``/``env`` may be blocks or
object attributes, and free-form maps (a driver's ``config``, a scaling ``policy``) keep every
block as a list of objects (an object attribute is read as a one-element list, as jobspec2
does).  The job's ``Name`` defaults to its ID; no other default is filled in.

The name table below is written from Nomad's job specification documentation (each block's
page lists its parameters; the API names are those of the JSON job specification page and
``nomad job run -output``), not from crossdock's writer, so that a wrong name on either side
makes the comparison fail.  A block or attribute the table does not know raises
``UnknownField``: the test then fails rather than silently ignoring part of the file.

HCL quoted strings are decoded here, not by python-hcl2: escapes (``\\n``, ``\\"``,
``\\uXXXX``...), ``$${`` -> ``${`` and ``%%{`` -> ``%{``; an unescaped ``${`` or ``%{`` (a
template interpolation or directive HCL would evaluate) raises ``UnknownField`` too.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from checkers import CheckFailed, hcl

__all__ = ["UnknownField", "hcl_to_api", "hcl_string", "go_duration_ns"]


class UnknownField(ValueError):
    """The jobspec holds something this reader does not convert."""


@dataclass(frozen=True)
class B:
    """A jobspec block: its attributes (hcl name -> API name), the durations among them, and
    its nested blocks (hcl name -> (API name, block, how they are collected))."""

    attrs: dict[str, str] = field(default_factory=dict)
    durations: frozenset[str] = frozenset()
    blocks: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    maps: dict[str, str] = field(default_factory=dict)  # meta/env: block or object attribute
    freeform: dict[str, str] = field(default_factory=dict)  # config, policy
    label: str = ""  # API name of the block's label, if it has one


# https://developer.hashicorp.com/nomad/docs/job-specification/<block>, one entry per page.
CONSTRAINT = B({"attribute": "LTarget", "operator": "Operand", "value": "RTarget"})
AFFINITY = B({"attribute": "LTarget", "operator": "Operand", "value": "RTarget", "weight": "Weight"})
SPREAD_TARGET = B({"percent": "Percent"}, label="Value")
SPREAD = B({"attribute": "Attribute", "weight": "Weight"}, blocks={"target": ("SpreadTarget", SPREAD_TARGET, "list")})
UPDATE = B({"max_parallel": "MaxParallel", "health_check": "HealthCheck", "min_healthy_time": "MinHealthyTime",
            "healthy_deadline": "HealthyDeadline", "progress_deadline": "ProgressDeadline",
            "auto_revert": "AutoRevert", "auto_promote": "AutoPromote", "canary": "Canary", "stagger": "Stagger"},
           frozenset({"min_healthy_time", "healthy_deadline", "progress_deadline", "stagger"}))
MIGRATE = B({"max_parallel": "MaxParallel", "health_check": "HealthCheck", "min_healthy_time": "MinHealthyTime",
             "healthy_deadline": "HealthyDeadline"}, frozenset({"min_healthy_time", "healthy_deadline"}))
RESTART = B({"attempts": "Attempts", "interval": "Interval", "delay": "Delay", "mode": "Mode",
             "render_templates": "RenderTemplates"}, frozenset({"interval", "delay"}))
RESCHEDULE = B({"attempts": "Attempts", "interval": "Interval", "delay": "Delay", "delay_function": "DelayFunction",
                "max_delay": "MaxDelay", "unlimited": "Unlimited"}, frozenset({"interval", "delay", "max_delay"}))
PERIODIC = B({"cron": "Spec", "crons": "Specs", "prohibit_overlap": "ProhibitOverlap", "time_zone": "TimeZone",
              "enabled": "Enabled"})
EPHEMERAL_DISK = B({"sticky": "Sticky", "migrate": "Migrate", "size": "SizeMB"})
SCALING = B({"enabled": "Enabled", "min": "Min", "max": "Max", "type": "Type"}, freeform={"policy": "Policy"})
PORT = B({"static": "Value", "to": "To", "host_network": "HostNetwork"}, label="Label")
NETWORK = B({"mode": "Mode", "hostname": "Hostname", "mbits": "MBits"})  # ports: see _network
VOLUME = B({"type": "Type", "source": "Source", "read_only": "ReadOnly", "per_alloc": "PerAlloc",
            "access_mode": "AccessMode", "attachment_mode": "AttachmentMode"}, label="Name")
VOLUME_MOUNT = B({"volume": "Volume", "destination": "Destination", "read_only": "ReadOnly",
                  "propagation_mode": "PropagationMode"})
CHECK_RESTART = B({"limit": "Limit", "grace": "Grace", "ignore_warnings": "IgnoreWarnings"}, frozenset({"grace"}))
CHECK = B({"name": "Name", "type": "Type", "path": "Path", "protocol": "Protocol", "method": "Method",
           "port": "PortLabel", "address_mode": "AddressMode", "command": "Command", "args": "Args",
           "interval": "Interval", "timeout": "Timeout", "initial_status": "InitialStatus", "task": "TaskName",
           "on_update": "OnUpdate"}, frozenset({"interval", "timeout"}),
          blocks={"check_restart": ("CheckRestart", CHECK_RESTART, "one")})
SERVICE = B({"name": "Name", "provider": "Provider", "port": "PortLabel", "tags": "Tags", "canary_tags": "CanaryTags",
             "address_mode": "AddressMode", "address": "Address", "task": "TaskName", "on_update": "OnUpdate"},
            blocks={"check": ("Checks", CHECK, "list")}, maps={"meta": "Meta"})
LIFECYCLE = B({"hook": "Hook", "sidecar": "Sidecar"})
RESOURCES = B({"cpu": "CPU", "cores": "Cores", "memory": "MemoryMB", "memory_max": "MemoryMaxMB"})
TEMPLATE = B({"data": "EmbeddedTmpl", "source": "SourcePath", "destination": "DestPath", "change_mode": "ChangeMode",
              "change_signal": "ChangeSignal", "perms": "Perms", "env": "Envvars", "splay": "Splay",
              "left_delimiter": "LeftDelim", "right_delimiter": "RightDelim",
              "error_on_missing_key": "ErrMissingKey", "uid": "Uid", "gid": "Gid"}, frozenset({"splay"}))
LOGS = B({"max_files": "MaxFiles", "max_file_size": "MaxFileSizeMB", "disabled": "Disabled"})
TASK = B({"driver": "Driver", "user": "User", "leader": "Leader", "kill_signal": "KillSignal",
          "kill_timeout": "KillTimeout", "shutdown_delay": "ShutdownDelay"},
         frozenset({"kill_timeout", "shutdown_delay"}),
         blocks={"lifecycle": ("Lifecycle", LIFECYCLE, "one"), "constraint": ("Constraints", CONSTRAINT, "list"),
                 "affinity": ("Affinities", AFFINITY, "list"), "resources": ("Resources", RESOURCES, "one"),
                 "restart": ("RestartPolicy", RESTART, "one"), "service": ("Services", SERVICE, "list"),
                 "template": ("Templates", TEMPLATE, "list"), "volume_mount": ("VolumeMounts", VOLUME_MOUNT, "list"),
                 "logs": ("LogConfig", LOGS, "one")},
         maps={"env": "Env", "meta": "Meta"}, freeform={"config": "Config"}, label="Name")
GROUP = B({"count": "Count", "shutdown_delay": "ShutdownDelay",
           "stop_after_client_disconnect": "StopAfterClientDisconnect",
           "max_client_disconnect": "MaxClientDisconnect"},
          frozenset({"shutdown_delay", "stop_after_client_disconnect", "max_client_disconnect"}),
          blocks={"constraint": ("Constraints", CONSTRAINT, "list"), "affinity": ("Affinities", AFFINITY, "list"),
                  "spread": ("Spreads", SPREAD, "list"), "network": ("Networks", NETWORK, "list"),
                  "service": ("Services", SERVICE, "list"), "volume": ("Volumes", VOLUME, "map"),
                  "update": ("Update", UPDATE, "one"), "migrate": ("Migrate", MIGRATE, "one"),
                  "restart": ("RestartPolicy", RESTART, "one"), "reschedule": ("ReschedulePolicy", RESCHEDULE, "one"),
                  "ephemeral_disk": ("EphemeralDisk", EPHEMERAL_DISK, "one"), "scaling": ("Scaling", SCALING, "one"),
                  "task": ("Tasks", TASK, "list")},
          maps={"meta": "Meta"}, label="Name")
JOB = B({"name": "Name", "type": "Type", "region": "Region", "namespace": "Namespace", "node_pool": "NodePool",
         "datacenters": "Datacenters", "priority": "Priority", "all_at_once": "AllAtOnce"},
        blocks={"constraint": ("Constraints", CONSTRAINT, "list"), "affinity": ("Affinities", AFFINITY, "list"),
                "spread": ("Spreads", SPREAD, "list"), "update": ("Update", UPDATE, "one"),
                "migrate": ("Migrate", MIGRATE, "one"), "reschedule": ("Reschedule", RESCHEDULE, "one"),
                "periodic": ("Periodic", PERIODIC, "one"), "group": ("TaskGroups", GROUP, "list")},
        maps={"meta": "Meta"}, label="ID")

_MARK = "__is_block__"


def hcl_to_api(text: str) -> dict[str, Any]:
    """The API job object of the one ``job`` block in ``text``. Raises UnknownField.

    The text is parsed by HashiCorp's own HCL parser (checkers.hcl: strings come back
    decoded, an unescaped ``${`` fails to evaluate); python-hcl2 (``hcl_to_api_pyhcl2``)
    cannot lex some valid strings, e.g. one ending in ``%%{``.
    """
    try:
        tree = hcl.parse([text])[0]
    except CheckFailed as e:
        raise UnknownField(f"HCL does not parse or evaluate: {e}") from e
    token = _DECODED.set(True)
    try:
        return _job(_pyhcl2_shape(tree))
    finally:
        _DECODED.reset(token)


def hcl_to_api_pyhcl2(text: str) -> dict[str, Any]:
    """hcl_to_api with python-hcl2 as the parser (strings decoded here, by hcl_string)."""
    return _job(hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False)))


_DECODED: contextvars.ContextVar[bool] = contextvars.ContextVar("decoded", default=False)


def _pyhcl2_shape(body: dict[str, Any]) -> dict[str, Any]:
    """HashiCorp's tree in python-hcl2's shape, strings already decoded and wrapped in quotes."""
    out: dict[str, Any] = {k: _quoted(v) for k, v in body["attributes"].items()}
    for block in body["blocks"]:
        inner: dict[str, Any] = {**_pyhcl2_shape(block["body"]), _MARK: True}
        for label in reversed(block["labels"]):
            inner = {f'"{label}"': inner}
        out.setdefault(block["type"], []).append(inner)
    return out


def _quoted(value: Any) -> Any:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    if isinstance(value, dict):
        return {f'"{k}"': _quoted(v) for k, v in value.items()}
    return value


def _job(doc: dict[str, Any]) -> dict[str, Any]:
    jobs = doc.get("job")
    if set(doc) != {"job"} or not isinstance(jobs, list) or len(jobs) != 1:
        raise UnknownField(f"expected exactly one job block, got {sorted(doc)}")
    job = _labeled(jobs[0], JOB, "job")
    job.setdefault("Name", job["ID"])  # jobspec2: a job's name defaults to its ID
    return job


def _labeled(raw: dict[str, Any], spec: B, where: str) -> dict[str, Any]:
    """A block with one label: python-hcl2 gives {'"label"': body}."""
    if len(raw) != 1:
        raise UnknownField(f"{where}: expected one label")
    (label, body), = raw.items()
    out = _body(body, spec, where)
    out[spec.label] = hcl_string(label)
    return out


def _body(body: dict[str, Any], spec: B, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        at = f"{where}.{key}"
        if key == _MARK:
            continue
        if key in spec.attrs:
            out[spec.attrs[key]] = go_duration_ns(_value(value, at)) if key in spec.durations else _value(value, at)
        elif key in spec.maps:
            parts = value if isinstance(value, list) else [value]
            merged: dict[str, Any] = {}
            for part in parts:
                merged.update({hcl_string(k) if k.startswith('"') else k: _value(v, at)
                               for k, v in part.items() if k != _MARK})
            out[spec.maps[key]] = merged
        elif key in spec.freeform:
            out[spec.freeform[key]] = _freeform(value[0] if isinstance(value, list) else value, at)
        elif key == "port" and spec is NETWORK:
            for raw in value:
                port = _labeled(raw, PORT, at)
                out.setdefault("ReservedPorts" if "Value" in port else "DynamicPorts", []).append(port)
        elif key in spec.blocks:
            api, child, how = spec.blocks[key]
            if how == "one":
                if len(value) != 1:
                    raise UnknownField(f"{at}: expected one block")
                out[api] = _body(value[0], child, at)
            elif how == "map":
                out[api] = {}
                for raw in value:
                    item = _labeled(raw, child, at)
                    out[api][item["Name"]] = item
            else:
                out[api] = [_labeled(raw, child, at) if child.label else _body(raw, child, at) for raw in value]
        else:
            raise UnknownField(f"{at}: not a jobspec field this reader knows")
    return out


def _freeform(body: dict[str, Any], where: str) -> dict[str, Any]:
    """A map[string]interface{} as jobspec2 builds it: every block, and every object attribute,
    is a list of objects; a block's labels nest as keys."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == _MARK:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) and v.get(_MARK) for v in value):
            out[key] = [_freeform(v, f"{where}.{key}") for v in value]
        elif isinstance(value, list) and value and all(_is_labeled(v) for v in value):
            out[key] = [{hcl_string(lbl): [_freeform(b, f"{where}.{key}")] for lbl, b in v.items()} for v in value]
        elif isinstance(value, dict):
            out[key] = [{hcl_string(k) if k.startswith('"') else k: _value(v, where) for k, v in value.items()}]
        else:
            out[key] = _value(value, f"{where}.{key}")
    return out


def _is_labeled(v: Any) -> bool:
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)).startswith('"') and \
        isinstance(next(iter(v.values())), dict) and bool(next(iter(v.values())).get(_MARK))


def _value(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        return [_value(v, where) for v in value]
    if isinstance(value, dict):
        return {hcl_string(k) if k.startswith('"') else k: _value(v, where) for k, v in value.items() if k != _MARK}
    return value


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def hcl_string(raw: str) -> str:
    """The value of an HCL quoted-string literal, given with its quotes (as python-hcl2
    returns it), per the HCL native syntax spec's template rules."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise UnknownField(f"not a quoted string: {raw!r}")
    if _DECODED.get():
        return raw[1:-1]
    text, out, i = raw[1:-1], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt == "u":
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
            elif nxt == "U":
                out.append(chr(int(text[i + 2:i + 10], 16)))
                i += 10
            else:
                raise UnknownField(f"unknown escape \\{nxt} in {raw!r}")
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            out.append(c + "{")
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            raise UnknownField(f"unescaped template sequence in {raw!r}: HCL would evaluate it")
        else:
            out.append(c)
            i += 1
    return "".join(out)


_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION = re.compile(r"([0-9]+)(ns|us|µs|ms|s|m|h)")


def go_duration_ns(text: Any) -> int:
    """A Go ``time.ParseDuration`` string (integer amounts) as nanoseconds."""
    if not isinstance(text, str):
        raise UnknownField(f"expected a duration string, got {text!r}")
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text)
    if body == "0":
        return 0
    parts = _DURATION.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise UnknownField(f"not a duration: {text!r}")
    return sign * sum(int(n) * _UNITS[u] for n, u in parts)
