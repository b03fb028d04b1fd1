"""The names and shapes of a Nomad job: each jobspec block (HCL) and its API object (JSON).

The table is written from Nomad's job specification documentation (one entry per block page;
the API names are those of the JSON job specification).  ``nomad_hcl`` converts HCL blocks to
API objects with it; ``shaped`` checks either form's values against it (a JSON job, or an HCL
attribute where a block goes, can hold anything), so the mapping code meets only the shapes it
expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LINE = "__line__"  # key holding an object's 1-based source line in the converted job; "Env" + LINE
# holds the lines of the keys of the map "Env" (meta and env maps)


@dataclass(frozen=True)
class B:
    """A jobspec block: attributes (hcl -> API), durations among them, nested blocks (hcl ->
    (API, block, "one"|"list"|"map")), meta/env-like maps, free-form maps, the label's API name."""

    attrs: dict[str, str] = field(default_factory=dict)
    durations: frozenset[str] = frozenset()
    blocks: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    maps: dict[str, str] = field(default_factory=dict)
    freeform: dict[str, str] = field(default_factory=dict)
    label: str = ""


# https://developer.hashicorp.com/nomad/docs/job-specification/<block>
_CONSTRAINT = B({"attribute": "LTarget", "operator": "Operand", "value": "RTarget"})
_AFFINITY = B({"attribute": "LTarget", "operator": "Operand", "value": "RTarget", "weight": "Weight"})
_SPREAD = B({"attribute": "Attribute", "weight": "Weight"},
            blocks={"target": ("SpreadTarget", B({"percent": "Percent"}, label="Value"), "list")})
_UPDATE_KEYS = ("max_parallel", "health_check", "min_healthy_time", "healthy_deadline", "progress_deadline",
                "auto_revert", "auto_promote", "canary", "stagger")
_UPDATE = B({k: "".join(p.capitalize() for p in k.split("_")) for k in _UPDATE_KEYS},
            frozenset({"min_healthy_time", "healthy_deadline", "progress_deadline", "stagger"}))
_MIGRATE = B({"max_parallel": "MaxParallel", "health_check": "HealthCheck", "min_healthy_time": "MinHealthyTime",
              "healthy_deadline": "HealthyDeadline"}, frozenset({"min_healthy_time", "healthy_deadline"}))
_RESTART = B({"attempts": "Attempts", "interval": "Interval", "delay": "Delay", "mode": "Mode",
              "render_templates": "RenderTemplates"}, frozenset({"interval", "delay"}))
_RESCHEDULE = B({"attempts": "Attempts", "interval": "Interval", "delay": "Delay", "delay_function": "DelayFunction",
                 "max_delay": "MaxDelay", "unlimited": "Unlimited"}, frozenset({"interval", "delay", "max_delay"}))
_PERIODIC = B({"cron": "Spec", "crons": "Specs", "prohibit_overlap": "ProhibitOverlap", "time_zone": "TimeZone",
               "enabled": "Enabled"})
_PARAMETERIZED = B({"payload": "Payload", "meta_required": "MetaRequired", "meta_optional": "MetaOptional"})
_PORT = B({"static": "Value", "to": "To", "host_network": "HostNetwork"}, label="Label")
_NETWORK = B({"mode": "Mode", "hostname": "Hostname", "mbits": "MBits"}, blocks={"port": ("Ports", _PORT, "list")})
_VOLUME = B({"type": "Type", "source": "Source", "read_only": "ReadOnly", "per_alloc": "PerAlloc",
             "access_mode": "AccessMode", "attachment_mode": "AttachmentMode"}, label="Name")
_CHECK_RESTART = B({"limit": "Limit", "grace": "Grace", "ignore_warnings": "IgnoreWarnings"}, frozenset({"grace"}))
_CHECK = B({"name": "Name", "type": "Type", "path": "Path", "protocol": "Protocol", "method": "Method",
            "port": "PortLabel", "address_mode": "AddressMode", "command": "Command", "args": "Args",
            "interval": "Interval", "timeout": "Timeout", "initial_status": "InitialStatus", "task": "TaskName",
            "on_update": "OnUpdate", "expose": "Expose"}, frozenset({"interval", "timeout"}),
           blocks={"check_restart": ("CheckRestart", _CHECK_RESTART, "one")})
_SERVICE = B({"name": "Name", "provider": "Provider", "port": "PortLabel", "tags": "Tags", "canary_tags": "CanaryTags",
              "address_mode": "AddressMode", "address": "Address", "task": "TaskName", "on_update": "OnUpdate"},
             blocks={"check": ("Checks", _CHECK, "list")}, maps={"meta": "Meta"})
_TEMPLATE = B({"data": "EmbeddedTmpl", "source": "SourcePath", "destination": "DestPath", "change_mode": "ChangeMode",
               "change_signal": "ChangeSignal", "perms": "Perms", "env": "Envvars", "splay": "Splay",
               "left_delimiter": "LeftDelim", "right_delimiter": "RightDelim", "error_on_missing_key": "ErrMissingKey",
               "uid": "Uid", "gid": "Gid"}, frozenset({"splay"}))
_TASK = B({"driver": "Driver", "user": "User", "leader": "Leader", "kill_signal": "KillSignal",
           "kill_timeout": "KillTimeout", "shutdown_delay": "ShutdownDelay"},
          frozenset({"kill_timeout", "shutdown_delay"}),
          blocks={"lifecycle": ("Lifecycle", B({"hook": "Hook", "sidecar": "Sidecar"}), "one"),
                  "constraint": ("Constraints", _CONSTRAINT, "list"), "affinity": ("Affinities", _AFFINITY, "list"),
                  # a task-level network: Nomad before 0.12's form, with the docker driver's port_map
                  "resources": ("Resources", B({"cpu": "CPU", "cores": "Cores", "memory": "MemoryMB",
                                                "memory_max": "MemoryMaxMB"},
                                               blocks={"network": ("Networks", _NETWORK, "list")}), "one"),
                  "restart": ("RestartPolicy", _RESTART, "one"), "service": ("Services", _SERVICE, "list"),
                  "template": ("Templates", _TEMPLATE, "list"),
                  "volume_mount": ("VolumeMounts", B({"volume": "Volume", "destination": "Destination",
                                                      "read_only": "ReadOnly", "propagation_mode": "PropagationMode"}),
                                   "list"),
                  "logs": ("LogConfig", B({"max_files": "MaxFiles", "max_file_size": "MaxFileSizeMB",
                                           "disabled": "Disabled"}), "one"),
                  "artifact": ("Artifacts", B({"source": "GetterSource", "destination": "RelativeDest"}), "list"),
                  "vault": ("Vault", B({"policies": "Policies", "role": "Role", "env": "Env"}), "one")},
          maps={"env": "Env", "meta": "Meta"}, freeform={"config": "Config"}, label="Name")
_GROUP = B({"count": "Count", "shutdown_delay": "ShutdownDelay",
            "stop_after_client_disconnect": "StopAfterClientDisconnect",
            "max_client_disconnect": "MaxClientDisconnect"},
           frozenset({"shutdown_delay", "stop_after_client_disconnect", "max_client_disconnect"}),
           blocks={"constraint": ("Constraints", _CONSTRAINT, "list"), "affinity": ("Affinities", _AFFINITY, "list"),
                   "spread": ("Spreads", _SPREAD, "list"), "network": ("Networks", _NETWORK, "list"),
                   "service": ("Services", _SERVICE, "list"), "volume": ("Volumes", _VOLUME, "map"),
                   "update": ("Update", _UPDATE, "one"), "migrate": ("Migrate", _MIGRATE, "one"),
                   "restart": ("RestartPolicy", _RESTART, "one"),
                   "reschedule": ("ReschedulePolicy", _RESCHEDULE, "one"),
                   "ephemeral_disk": ("EphemeralDisk", B({"sticky": "Sticky", "migrate": "Migrate", "size": "SizeMB"}),
                                      "one"),
                   "scaling": ("Scaling", B({"enabled": "Enabled", "min": "Min", "max": "Max", "type": "Type"},
                                            freeform={"policy": "Policy"}), "one"),
                   "task": ("Tasks", _TASK, "list")},
           maps={"meta": "Meta"}, label="Name")
JOB = B({"name": "Name", "type": "Type", "region": "Region", "namespace": "Namespace", "node_pool": "NodePool",
          "datacenters": "Datacenters", "priority": "Priority", "all_at_once": "AllAtOnce"},
         blocks={"constraint": ("Constraints", _CONSTRAINT, "list"), "affinity": ("Affinities", _AFFINITY, "list"),
                 "spread": ("Spreads", _SPREAD, "list"), "update": ("Update", _UPDATE, "one"),
                 "migrate": ("Migrate", _MIGRATE, "one"), "reschedule": ("Reschedule", _RESCHEDULE, "one"),
                 "periodic": ("Periodic", _PERIODIC, "one"),
                 "parameterized": ("ParameterizedJob", _PARAMETERIZED, "one"),
                 "group": ("TaskGroups", _GROUP, "list")},
         maps={"meta": "Meta"}, label="ID")


def shaped(job: Any, bad: list[tuple[int, str, str]]) -> dict[str, Any]:
    """``job`` with every value of the wrong shape for its field removed (and listed in ``bad``):
    JSON jobs, and HCL attributes where a block goes, can hold anything."""
    return _shaped(job, JOB, "job", bad, 0)


_SCALAR = (str, int, float, bool, type(None))
_LIST_ATTRS = {"Datacenters", "Tags", "CanaryTags", "Args", "Specs", "Policies", "MetaRequired", "MetaOptional"}


def _shaped(obj: Any, spec: B, where: str, bad: list[tuple[int, str, str]], line: int) -> dict[str, Any]:
    if not isinstance(obj, dict):
        bad.append((line, where, "expected an object: not carried over"))
        return {}
    line = obj.get(LINE, line) if isinstance(obj.get(LINE), int) else line
    index: dict[str, tuple[str, Any]] = {a: ("attr", None) for a in spec.attrs.values()}
    index |= {spec.attrs[d]: ("duration", None) for d in spec.durations}
    index |= {a: (how, sub) for a, sub, how in spec.blocks.values()}
    index |= {a: ("scalars", None) for a in spec.maps.values()} | {a: ("free", None) for a in spec.freeform.values()}
    if spec is _NETWORK:
        index |= {"ReservedPorts": ("list", _PORT), "DynamicPorts": ("list", _PORT)}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        kind, sub = index.get(key, ("other", None))
        at = f"{where}.{key}"
        ok = {"attr": isinstance(value, list) and all(isinstance(v, _SCALAR) for v in value)
              if key in _LIST_ATTRS else isinstance(value, _SCALAR),
              "duration": isinstance(value, int) and not isinstance(value, bool),
              "one": isinstance(value, dict), "list": isinstance(value, list), "free": isinstance(value, dict),
              "map": isinstance(value, dict),
              "scalars": isinstance(value, dict) and all(isinstance(v, _SCALAR) for v in value.values()),
              }.get(kind, True) or value is None or key.endswith(LINE)
        if not ok:
            bad.append((line, at, f"a value of the wrong type ({type(value).__name__}): not carried over"))
        elif kind == "one" and value is not None:
            out[key] = _shaped(value, sub, at, bad, line)
        elif kind == "list" and value is not None:
            label = sub.label
            items = [_shaped(v, sub, f"{at}[{i}]", bad, line) for i, v in enumerate(value)]
            out[key] = [v for v in items if v and (not label or isinstance(v.get(label), str))]
        else:
            out[key] = value
    if spec is _GROUP and isinstance(out.get("Volumes"), dict):
        out["Volumes"] = {str(k): _shaped(v, _VOLUME, f"{where}.Volumes.{k}", bad, line)
                          for k, v in out["Volumes"].items() if not str(k).endswith(LINE)}
    return out


