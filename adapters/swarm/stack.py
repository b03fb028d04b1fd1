"""The pure half of the Swarm adapter: what a rendered stack wants, and how it differs from
what is running.

Naming and labels follow the docker CLI's stacks so that ``docker stack ps/rm <app>`` work on
what crossdock deployed: every object is ``<app>_<name>`` and carries
``com.docker.stack.namespace=<app>``, plus crossdock's ownership labels
(``app.kubernetes.io/managed-by=crossdock``, ``app.kubernetes.io/part-of=<app>``) by which
prune and destroy find exactly what crossdock made.

Secrets: the stack declares each one ``external`` under ``<app>_<secret>``.  Swarm secrets are
immutable, so for a secret whose value the spec has, the adapter names the stack's secret
``<app>_<secret>-<hash8>`` (a digest of app, secret name and value) before deploying: a changed
value becomes a new secret and the services using it roll.  Secrets the spec marks
``external`` keep ``<app>_<secret>`` and are never created or removed.

Plan: each service's rendered stack entry is stored, as JSON, in the service label
``crossdock/last-applied`` (as ``kubectl apply`` keeps its last-applied configuration); the
plan compares the rendered entry with it field by field, and compares the fields people change
by hand (image, replicas, environment) with the live service spec as well, so drift shows.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from crossdock.adapters.model import Change, Plan

NAMESPACE_LABEL = "com.docker.stack.namespace"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
PART_OF_LABEL = "app.kubernetes.io/part-of"
LAST_APPLIED_LABEL = "crossdock/last-applied"
SECRET_KEY_LABEL = "crossdock/secret"
MANAGER = "crossdock"
# Swarm config and secret names: at most 64 characters (swarmkit's validation).
OBJECT_NAME_MAX = 64


def owner_labels(app: str) -> dict[str, str]:
    """The labels of everything crossdock creates for ``app`` on Swarm."""
    return {NAMESPACE_LABEL: app, MANAGED_BY_LABEL: MANAGER, PART_OF_LABEL: app}


def owner_filter(app: str) -> list[str]:
    """A docker ``label`` filter matching objects that carry all of ``owner_labels(app)``."""
    return [f"{k}={v}" for k, v in owner_labels(app).items()]


def is_owned(labels: Mapping[str, str] | None, app: str) -> bool:
    labels = labels or {}
    return all(labels.get(k) == v for k, v in owner_labels(app).items())


def scoped(app: str, name: str) -> str:
    """The docker CLI's stack naming: ``<app>_<name>``."""
    return f"{app}_{name}"


def secret_name(app: str, key: str, value: str) -> str:
    """``<app>_<key>-<hash8>``: the versioned name of an app-owned secret, shortened from the
    left part if it passes Swarm's 64 characters.  The digest covers app and key too, so equal
    values in two apps do not share a digest."""
    digest = hashlib.sha256(f"{app}\0{key}\0{value}".encode()).hexdigest()[:8]
    suffix = f"-{digest}"
    return scoped(app, key)[: OBJECT_NAME_MAX - len(suffix)].rstrip("-_.") + suffix


def unescape(text: str) -> str:
    """A stack-file string as the container sees it: the CLI's interpolation turns ``$$`` into
    ``$`` (the translator doubles every ``$``)."""
    return text.replace("$$", "$")


def applied_json(entry: Mapping[str, Any]) -> str:
    """The canonical JSON of a service entry, as stored in ``crossdock/last-applied``."""
    body = copy.deepcopy(dict(entry))
    labels = (body.get("deploy") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(LAST_APPLIED_LABEL, None)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class DesiredStack:
    """A rendered stack made ready for deploying: secrets versioned, last-applied stamped."""

    app: str
    doc: dict[str, Any]
    config_files: dict[str, str]  # path relative to the stack file -> content
    owned_secrets: dict[str, str] = field(default_factory=dict)  # swarm name -> spec secret key
    external_secrets: list[str] = field(default_factory=list)  # swarm names that must exist

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return dict(self.doc.get("services") or {})

    def service_names(self) -> dict[str, str]:
        """Swarm service name -> stack key."""
        return {scoped(self.app, k): k for k in self.services}

    def config_names(self) -> set[str]:
        return {str(c["name"]) for c in (self.doc.get("configs") or {}).values() if not c.get("external")}

    def network_names(self) -> set[str]:
        """Networks the docker CLI creates for this stack: ``<app>_default`` when a service
        names none, and every non-external top-level network."""
        out = set()
        if any("networks" not in s for s in self.services.values()):
            out.add(scoped(self.app, "default"))
        for key, net in (self.doc.get("networks") or {}).items():
            net = net or {}
            if not net.get("external"):
                out.add(str(net.get("name") or scoped(self.app, key)))
        return out

    def resolved(self, key: str) -> dict[str, Any]:
        """Service ``key``'s entry with each config and secret reference naming the Swarm
        object (``<app>_web-0-<hash8>``) instead of the stack key: a new version of a file or
        secret is a change of the service."""
        entry = copy.deepcopy(self.services[key])
        for kind in ("configs", "secrets"):
            top = self.doc.get(kind) or {}
            for ref in entry.get(kind) or []:
                if isinstance(ref, dict) and ref.get("source") in top:
                    ref["source"] = str(top[ref["source"]].get("name") or scoped(self.app, ref["source"]))
        return entry

    def stack_file(self, only: Iterable[str] | None = None) -> str:
        """The stack file text; with ``only``, just those services (by stack key): the docker
        CLI leaves services missing from the file alone when ``--prune`` is not given."""
        doc = copy.deepcopy(self.doc)
        if only is not None:
            keep = set(only)
            doc["services"] = {k: v for k, v in (doc.get("services") or {}).items() if k in keep}
        from crossdock.translators.yamltext import dump  # deploy only: status needs no YAML

        return dump(doc)


def desired_stack(app: str, files: Mapping[str, str], primary: str, secret_values: Mapping[str, str]) -> DesiredStack:
    """Parse the translator's stack file and make it deployable.

    ``secret_values`` maps spec secret keys to their values (never logged, never in a message);
    the stack's secrets with a value get versioned names.  Raises ValueError if the bundle's
    primary file is not a stack mapping (a translator bug, not a user error)."""
    from crossdock.specs.yamlsrc import load_yaml  # deploy and diff only: status needs no YAML

    doc = load_yaml(files[primary])
    if not isinstance(doc, dict):
        raise ValueError(f"{primary}: not a stack file")
    base = primary.rsplit("/", 1)[0] + "/" if "/" in primary else ""
    config_files = {p.removeprefix(base): text for p, text in files.items() if p != primary and p.startswith(base)}
    out = DesiredStack(app, doc, config_files)
    for key, secret in (doc.get("secrets") or {}).items():
        if key in secret_values:
            name = secret_name(app, key, secret_values[key])
            secret["name"] = name
            out.owned_secrets[name] = key
        elif secret.get("external"):
            out.external_secrets.append(str(secret.get("name") or scoped(app, key)))
    for key, entry in out.services.items():
        deploy = entry.setdefault("deploy", {})
        labels = deploy.get("labels") or {}
        deploy["labels"] = labels
        labels.pop(LAST_APPLIED_LABEL, None)
        # The CLI interpolates label values too: double the `$` so the JSON arrives unchanged.
        labels[LAST_APPLIED_LABEL] = applied_json(out.resolved(key)).replace("$", "$$")
    return out


# ---------------------------------------------------------------------------- diffing


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Field paths where ``new`` differs from ``old``: mappings are walked key by key, lists
    and scalars compared whole (``environment.GREETING``, ``deploy.replicas``, ``configs``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += changed_paths(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if old == new else [prefix or "."]


def _container_spec(service: Mapping[str, Any]) -> dict[str, Any]:
    return dict(((service.get("Spec") or {}).get("TaskTemplate") or {}).get("ContainerSpec") or {})


_MODES = {"replicated": "Replicated", "global": "Global", "replicated-job": "ReplicatedJob",
          "global-job": "GlobalJob"}


def mode_changed(entry: Mapping[str, Any], service: Mapping[str, Any]) -> bool:
    """Whether the rendered entry asks for another service mode than the running service has
    (replicated <-> global): swarmkit refuses that update ("service mode change is not
    allowed"), so the service must be removed and created again."""
    live = (service.get("Spec") or {}).get("Mode") or {}
    want = _MODES.get(str((entry.get("deploy") or {}).get("mode", "replicated")))
    return want is not None and bool(live) and want not in live


def _live_drift(entry: Mapping[str, Any], service: Mapping[str, Any]) -> list[str]:
    """Fields people change by hand (``docker service scale/update``), read from the live spec."""
    out = []
    cs = _container_spec(service)
    image = str(cs.get("Image", "")).split("@", 1)[0]
    if image != unescape(str(entry.get("image", ""))):
        out.append("image")
    env = dict(e.split("=", 1) if "=" in e else (e, "") for e in cs.get("Env") or [])
    want = {str(k): unescape(str(v)) for k, v in (entry.get("environment") or {}).items()}
    out += [f"environment.{k}" for k in sorted(set(env) | set(want)) if env.get(k) != want.get(k)]
    mode = (service.get("Spec") or {}).get("Mode") or {}
    deploy = entry.get("deploy") or {}
    if mode_changed(entry, service):
        out.append("deploy.mode")
    elif deploy.get("mode", "replicated") == "replicated" and "Replicated" in mode:
        if int(mode["Replicated"].get("Replicas", 1)) != int(deploy.get("replicas", 1)):
            out.append("deploy.replicas")
    for kind, live in zip(("configs", "secrets"), references(service)):
        refs = {str(r.get("source")) for r in entry.get(kind) or [] if isinstance(r, dict)}
        if live != refs:
            out.append(kind)
    return out


def service_changes(entry: Mapping[str, Any], service: Mapping[str, Any]) -> list[str]:
    """What differs between a rendered service entry (``DesiredStack.resolved``) and the
    running service."""
    labels = (service.get("Spec") or {}).get("Labels") or {}
    applied = labels.get(LAST_APPLIED_LABEL)
    fields: set[str] = set(_live_drift(entry, service))
    if applied is None:
        fields.add("(not deployed by crossdock)")
    else:
        try:
            old = json.loads(applied)
        except ValueError:
            old = None
        fields.update(changed_paths(old, json.loads(applied_json(entry))))
    return sorted(fields)


def references(service: Mapping[str, Any], spec_key: str = "Spec") -> tuple[set[str], set[str]]:
    """Config and secret names a service's ``Spec`` (or ``PreviousSpec``) mounts."""
    cs = dict((((service.get(spec_key) or {}).get("TaskTemplate") or {}).get("ContainerSpec")) or {})
    return ({str(c.get("ConfigName")) for c in cs.get("Configs") or []},
            {str(s.get("SecretName")) for s in cs.get("Secrets") or []})


@dataclass
class Observed:
    """What the platform has for the app: raw API dicts of services, names of the rest."""

    services: list[dict[str, Any]]  # with the namespace label (owned or not)
    configs: dict[str, dict[str, str]]  # name -> labels, owned by crossdock
    secrets: dict[str, dict[str, str]]
    networks: set[str]
    all_secret_names: set[str] = field(default_factory=set)


@dataclass
class DeployPlan:
    plan: Plan
    create_services: list[str]  # stack keys
    update_services: list[str]
    delete_services: list[str]  # swarm names
    recreate_services: list[str]  # swarm names of services removed first, then created (mode change)
    create_secrets: list[str]  # swarm names
    delete_configs: list[str]
    delete_secrets: list[str]

    @property
    def cli_services(self) -> list[str]:
        return sorted(self.create_services + self.update_services)


def compute_plan(desired: DesiredStack, observed: Observed) -> DeployPlan:
    """The changes that bring ``observed`` to ``desired``.

    Old config and secret versions are kept while a service's current or previous spec (after
    this deploy) mounts them, so Swarm's rollback still finds them; older ones are deleted."""
    app = desired.app
    changes: list[Change] = []
    by_name = {str(s["Spec"]["Name"]): s for s in observed.services}
    owned = {n: s for n, s in by_name.items() if is_owned((s.get("Spec") or {}).get("Labels"), app)}
    create, update, recreate = [], [], []
    for name, key in sorted(desired.service_names().items()):
        entry = desired.resolved(key)
        if name not in by_name:
            create.append(key)
            changes.append(Change("create", "service", name))
            continue
        fields = service_changes(entry, by_name[name])
        if fields:
            update.append(key)
            again = mode_changed(entry, by_name[name])
            if again:
                recreate.append(name)
            changes.append(Change("update", "service", name, tuple(fields), recreate=again))
    delete = sorted(n for n in owned if n not in desired.service_names())
    changes += [Change("delete", "service", n) for n in delete]

    for name in sorted(desired.network_names() - observed.networks):
        changes.append(Change("create", "network", name))
    configs_wanted = desired.config_names()
    changes += [Change("create", "config", n) for n in sorted(configs_wanted - set(observed.configs))]
    secrets_wanted = set(desired.owned_secrets)
    new_secrets = sorted(secrets_wanted - set(observed.secrets))
    changes += [Change("create", "secret", n) for n in new_secrets]

    kept_configs, kept_secrets = set(configs_wanted), set(secrets_wanted)
    touched = {scoped(app, k) for k in update}
    for name, service in by_name.items():
        if name in delete:
            continue
        for spec_key in ("Spec",) if name in touched else ("Spec", "PreviousSpec"):
            c, s = references(service, spec_key)
            kept_configs |= c
            kept_secrets |= s
    old_configs = sorted(set(observed.configs) - kept_configs)
    old_secrets = sorted(set(observed.secrets) - kept_secrets)
    changes += [Change("delete", "config", n) for n in old_configs]
    changes += [Change("delete", "secret", n) for n in old_secrets]
    return DeployPlan(Plan("swarm", app, tuple(changes)), create, update, delete, recreate, new_secrets,
                      old_configs, old_secrets)
