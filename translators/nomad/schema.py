"""What the HCL form of a Nomad job can say: ``SCHEMA``, and ``prune`` to keep an API object to it.

The view model builds each job once, as the JSON object ``POST /v1/jobs`` takes, and ``hcl``
writes the jobspec from that object.  ``SCHEMA`` names, for every API object crossdock writes
or an ``x-nomad`` block may set, its jobspec name and shape; ``prune`` drops (and reports)
keys outside it, so nothing reaches the JSON form that the HCL form cannot say.

The shapes follow Nomad's HCL2 parser (jobspec2): durations are strings (``"1m30s"``) where
JSON has integer nanoseconds; ``TaskGroups``/``Tasks`` become labelled ``group``/``task``
blocks; ``Volumes`` (a map) becomes ``volume "<name>"`` blocks; ``DynamicPorts`` and
``ReservedPorts`` become ``port "<label>"`` blocks (``static`` marks a reserved one);
``Meta``/``Env`` are written as object attributes (``meta = { "a.b" = "c" }``), the form
jobspec2 accepts for keys that are not identifiers; free-form maps (a driver's ``config``, a
scaling ``policy``) write each list of objects as repeated blocks, which jobspec2 reads back
as that same list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Union


Kind = Literal["attr", "duration", "block", "blocks", "labeled", "volumes", "ports", "object", "freeform"]


@dataclass(frozen=True)
class Field:
    hcl: str
    kind: Kind = "attr"
    type: str = ""  # the nested schema for block kinds
    label: str = ""  # the field that becomes the block label (labeled)


def _f(hcl: str, kind: Kind = "attr", type: str = "", label: str = "") -> Field:
    return Field(hcl, kind, type, label)


_D: Kind = "duration"
SCHEMA: dict[str, dict[str, Field]] = {
    "Job": {
        "Name": _f("name"), "Type": _f("type"), "Region": _f("region"), "Namespace": _f("namespace"),
        "NodePool": _f("node_pool"), "Datacenters": _f("datacenters"), "Priority": _f("priority"),
        "AllAtOnce": _f("all_at_once"), "Meta": _f("meta", "object"),
        "Constraints": _f("constraint", "blocks", "Constraint"), "Affinities": _f("affinity", "blocks", "Affinity"),
        "Spreads": _f("spread", "blocks", "Spread"), "Update": _f("update", "block", "Update"),
        "Migrate": _f("migrate", "block", "Migrate"), "Reschedule": _f("reschedule", "block", "Reschedule"),
        "Periodic": _f("periodic", "block", "Periodic"),
        "TaskGroups": _f("group", "labeled", "TaskGroup", "Name"),
    },
    "TaskGroup": {
        "Count": _f("count"), "Meta": _f("meta", "object"),
        "Constraints": _f("constraint", "blocks", "Constraint"), "Affinities": _f("affinity", "blocks", "Affinity"),
        "Spreads": _f("spread", "blocks", "Spread"), "Networks": _f("network", "ports", "Network"),
        "Services": _f("service", "blocks", "Service"), "Volumes": _f("volume", "volumes", "Volume"),
        "Update": _f("update", "block", "Update"), "Migrate": _f("migrate", "block", "Migrate"),
        "RestartPolicy": _f("restart", "block", "Restart"), "ReschedulePolicy": _f("reschedule", "block", "Reschedule"),
        "EphemeralDisk": _f("ephemeral_disk", "block", "EphemeralDisk"), "Scaling": _f("scaling", "block", "Scaling"),
        "ShutdownDelay": _f("shutdown_delay", _D), "StopAfterClientDisconnect": _f("stop_after_client_disconnect", _D),
        "MaxClientDisconnect": _f("max_client_disconnect", _D),
        "Tasks": _f("task", "labeled", "Task", "Name"),
    },
    "Task": {
        "Driver": _f("driver"), "User": _f("user"), "Leader": _f("leader"), "KillSignal": _f("kill_signal"),
        "KillTimeout": _f("kill_timeout", _D), "ShutdownDelay": _f("shutdown_delay", _D),
        "Lifecycle": _f("lifecycle", "block", "Lifecycle"), "Config": _f("config", "freeform"),
        "Env": _f("env", "object"), "Meta": _f("meta", "object"),
        "Constraints": _f("constraint", "blocks", "Constraint"), "Affinities": _f("affinity", "blocks", "Affinity"),
        "Resources": _f("resources", "block", "Resources"), "RestartPolicy": _f("restart", "block", "Restart"),
        "Services": _f("service", "blocks", "Service"), "Templates": _f("template", "blocks", "Template"),
        "VolumeMounts": _f("volume_mount", "blocks", "VolumeMount"), "LogConfig": _f("logs", "block", "Logs"),
        "Artifacts": _f("artifact", "blocks", "Artifact"),
    },
    "Constraint": {"LTarget": _f("attribute"), "Operand": _f("operator"), "RTarget": _f("value")},
    "Affinity": {"LTarget": _f("attribute"), "Operand": _f("operator"), "RTarget": _f("value"), "Weight": _f("weight")},
    "Spread": {"Attribute": _f("attribute"), "Weight": _f("weight"),
               "SpreadTarget": _f("target", "labeled", "SpreadTarget", "Value")},
    "SpreadTarget": {"Percent": _f("percent")},
    "Update": {"MaxParallel": _f("max_parallel"), "HealthCheck": _f("health_check"),
               "MinHealthyTime": _f("min_healthy_time", _D), "HealthyDeadline": _f("healthy_deadline", _D),
               "ProgressDeadline": _f("progress_deadline", _D), "AutoRevert": _f("auto_revert"),
               "AutoPromote": _f("auto_promote"), "Canary": _f("canary"), "Stagger": _f("stagger", _D)},
    "Migrate": {"MaxParallel": _f("max_parallel"), "HealthCheck": _f("health_check"),
                "MinHealthyTime": _f("min_healthy_time", _D), "HealthyDeadline": _f("healthy_deadline", _D)},
    "Restart": {"Attempts": _f("attempts"), "Interval": _f("interval", _D), "Delay": _f("delay", _D),
                "Mode": _f("mode"), "RenderTemplates": _f("render_templates")},
    "Reschedule": {"Attempts": _f("attempts"), "Interval": _f("interval", _D), "Delay": _f("delay", _D),
                   "DelayFunction": _f("delay_function"), "MaxDelay": _f("max_delay", _D),
                   "Unlimited": _f("unlimited")},
    "Periodic": {"Enabled": _f("enabled"), "Spec": _f("cron"), "Specs": _f("crons"),
                 "ProhibitOverlap": _f("prohibit_overlap"), "TimeZone": _f("time_zone")},
    "EphemeralDisk": {"Sticky": _f("sticky"), "Migrate": _f("migrate"), "SizeMB": _f("size")},
    "Scaling": {"Enabled": _f("enabled"), "Min": _f("min"), "Max": _f("max"), "Type": _f("type"),
                "Policy": _f("policy", "freeform")},
    "Network": {"Mode": _f("mode"), "Hostname": _f("hostname"), "MBits": _f("mbits"),
                "ReservedPorts": _f("port", "labeled", "Port", "Label"),
                "DynamicPorts": _f("port", "labeled", "Port", "Label")},
    "Port": {"Value": _f("static"), "To": _f("to"), "HostNetwork": _f("host_network")},
    "Volume": {"Type": _f("type"), "Source": _f("source"), "ReadOnly": _f("read_only"),
               "PerAlloc": _f("per_alloc"), "AccessMode": _f("access_mode"),
               "AttachmentMode": _f("attachment_mode")},
    "VolumeMount": {"Volume": _f("volume"), "Destination": _f("destination"), "ReadOnly": _f("read_only"),
                    "PropagationMode": _f("propagation_mode")},
    "Service": {"Name": _f("name"), "Provider": _f("provider"), "PortLabel": _f("port"), "Tags": _f("tags"),
                "CanaryTags": _f("canary_tags"), "AddressMode": _f("address_mode"), "Address": _f("address"),
                "TaskName": _f("task"), "Meta": _f("meta", "object"), "OnUpdate": _f("on_update"),
                "Checks": _f("check", "blocks", "Check")},
    "Check": {"Name": _f("name"), "Type": _f("type"), "Path": _f("path"), "Protocol": _f("protocol"),
              "Method": _f("method"), "PortLabel": _f("port"), "AddressMode": _f("address_mode"),
              "Command": _f("command"), "Args": _f("args"), "Interval": _f("interval", _D),
              "Timeout": _f("timeout", _D), "InitialStatus": _f("initial_status"), "TaskName": _f("task"),
              "OnUpdate": _f("on_update"), "CheckRestart": _f("check_restart", "block", "CheckRestart")},
    "CheckRestart": {"Limit": _f("limit"), "Grace": _f("grace", _D), "IgnoreWarnings": _f("ignore_warnings")},
    "Lifecycle": {"Hook": _f("hook"), "Sidecar": _f("sidecar")},
    "Resources": {"CPU": _f("cpu"), "Cores": _f("cores"), "MemoryMB": _f("memory"),
                  "MemoryMaxMB": _f("memory_max")},
    "Template": {"EmbeddedTmpl": _f("data"), "SourcePath": _f("source"), "DestPath": _f("destination"),
                 "ChangeMode": _f("change_mode"), "ChangeSignal": _f("change_signal"), "Perms": _f("perms"),
                 "Envvars": _f("env"), "Splay": _f("splay", _D), "LeftDelim": _f("left_delimiter"),
                 "RightDelim": _f("right_delimiter"), "ErrMissingKey": _f("error_on_missing_key"),
                 "Uid": _f("uid"), "Gid": _f("gid")},
    "Logs": {"MaxFiles": _f("max_files"), "MaxFileSizeMB": _f("max_file_size"), "Disabled": _f("disabled")},
    "Artifact": {"GetterSource": _f("source"), "RelativeDest": _f("destination"), "GetterMode": _f("mode"),
                 "GetterOptions": _f("options", "object")},
}
# Fields written as block labels, not attributes: the job's ID, a group's or task's Name...
_LABELS = {"Job": "ID", "TaskGroup": "Name", "Task": "Name", "SpreadTarget": "Value", "Port": "Label",
           "Volume": "Name"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

Path = tuple[Union[str, int], ...]

Dropped = list[tuple[Path, str]]  # (path, why) of what prune left out


def prune(obj: Any, type_: str, path: Path, dropped: Dropped) -> Any:
    """``obj`` (an API object of ``type_``) without what the HCL form cannot carry: keys
    ``SCHEMA`` does not name, values of the wrong shape (a block that is not an object, a
    duration that is not integer nanoseconds...); free-form maps take the shape jobspec2
    reads back.  What is left out is appended to ``dropped``.  Keys whose value is ``None`` are
    kept: for ``deep_merge`` they remove a key."""
    if not isinstance(obj, dict):
        dropped.append((path, "expected an object"))
        return {}
    fields = SCHEMA[type_]
    out: dict[str, Any] = {}
    for key, value in obj.items():
        f, at = fields.get(key), path + (key,)
        if key == _LABELS.get(type_):
            out[key] = value
        elif f is None:
            dropped.append((at, "not a field crossdock's HCL writer knows"))
        elif value is None or f.kind in ("attr", "object"):
            out[key] = value
        elif f.kind == "duration":
            if isinstance(value, int) and not isinstance(value, bool):
                out[key] = value
            else:
                dropped.append((at, "expected a duration in integer nanoseconds, as in the API's JSON"))
        elif f.kind == "freeform":
            out[key] = _prune_freeform(value, at, dropped)
        elif f.kind == "block":
            out[key] = prune(value, f.type, at, dropped)
        elif f.kind == "volumes" and isinstance(value, dict):
            out[key] = {k: prune(v, f.type, at + (k,), dropped) for k, v in value.items()}
        elif f.kind in ("blocks", "labeled", "ports") and isinstance(value, list):
            items = [prune(v, f.type, at + (i,), dropped) for i, v in enumerate(value)]
            if f.kind == "labeled":
                for i, item in enumerate(items):
                    if not isinstance(item.get(f.label), str):
                        dropped.append((at + (i,), f"expected a string {f.label}"))
                items = [item for item in items if isinstance(item.get(f.label), str)]
            out[key] = items
        else:
            dropped.append((at, "expected a list" if f.kind != "volumes" else "expected an object"))
    return out


def _prune_freeform(value: Any, path: Path, dropped: Dropped) -> Any:
    """A free-form map as jobspec2 reads back its HCL form: an object below the top becomes a
    list holding it (an HCL block, or an object attribute, is read as a one-element list); keys
    that are not HCL identifiers cannot be written and are dropped."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        if not _IDENT.fullmatch(k):
            dropped.append((path + (k,), "not an HCL identifier, so not writable as a key here"))
        elif isinstance(v, dict):
            out[k] = [_prune_freeform(v, path + (k,), dropped)]
        elif isinstance(v, list):
            out[k] = [_prune_freeform(x, path + (k, i), dropped) for i, x in enumerate(v)]
        else:
            out[k] = v
    return out
