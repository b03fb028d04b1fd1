"""How a compose service's container runs: user, privileges, working folder, host name, stop.

- ``user`` (``1000``, ``1000:1000``, ``postgres``, ``node:node``) -> ``security.user`` and
  ``security.group`` (a number as a number, a name as a name, as the image's /etc/passwd
  resolves it); ``read_only`` -> ``security.read_only_root``; ``cap_add``/``cap_drop`` ->
  ``security.capabilities`` (docker accepts ``CAP_NET_ADMIN``, ``net_admin`` and ``NET_ADMIN``
  alike; the spec writes ``NET_ADMIN``); ``privileged``; ``security_opt: [no-new-privileges]``
  (also ``:true`` or ``=true``) -> ``security.no_new_privileges`` (seccomp, AppArmor and SELinux
  options have no place in the spec and are reported).
- ``working_dir``, ``hostname``, ``stop_grace_period`` (a Go duration: ``1m30s``) and
  ``stop_signal`` (``SIGQUIT``; docker also reads ``QUIT`` and a number) as the spec's fields.

These fields are typed in the spec (a number, a path, a duration), so a variable in them is
resolved at import time and reported (``Context.value``).
"""

from __future__ import annotations

import re
from typing import Any

from crossdock.specs.yamlsrc import Path
from crossdock.translators.importers import compose_units as units
from crossdock.translators.importers.compose_context import Context

HANDLED = {"user", "read_only", "cap_add", "cap_drop", "privileged", "security_opt", "working_dir", "hostname",
           "stop_grace_period", "stop_signal"}
_USER = re.compile(r"[0-9]+|[a-z_][a-z0-9_.-]*\$?")  # a uid, or a name as specs.types.UserRef reads it
_CAPABILITY = re.compile(r"[A-Z][A-Z0-9_]*")
_HOSTNAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Linux signal numbers (signal(7), x86 and arm), for a stop_signal written as a number.
_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 10: "SIGUSR1", 12: "SIGUSR2",
            15: "SIGTERM", 28: "SIGWINCH"}
# strconv.ParseBool, which compose-go uses for a boolean written as a string
_TRUE, _FALSE = {"1", "t", "T", "TRUE", "true", "True"}, {"0", "f", "F", "FALSE", "false", "False"}


def runtime(ctx: Context, at: Path, svc: dict[str, Any], w: dict[str, Any]) -> None:
    """Fill ``w`` (a workload or a step) with the fields of this module found in ``svc``."""
    security: dict[str, Any] = {}
    if svc.get("user") is not None:
        security.update(_user(ctx, at + ("user",), svc["user"]))
    for key, spec_key in (("read_only", "read_only_root"), ("privileged", "privileged")):
        if svc.get(key) is not None and flag(ctx, at + (key,), svc[key]):
            security[spec_key] = True
    capabilities = {}
    for key, spec_key in (("cap_add", "add"), ("cap_drop", "drop")):
        names = _capabilities(ctx, at + (key,), svc.get(key))
        if names:
            capabilities[spec_key] = names
    if capabilities:
        security["capabilities"] = capabilities
    for i, opt in enumerate(svc.get("security_opt") or []):
        # docker reads no-new-privileges, no-new-privileges:true and no-new-privileges=true alike
        nnp = re.fullmatch(r"no-new-privileges(?:[:=](true|false))?", str(ctx.value(opt, at + ("security_opt", i))))
        if nnp:
            if nnp.group(1) != "false":
                security["no_new_privileges"] = True
        else:
            ctx.loss(at + ("security_opt", i), f"security option '{opt}' is not carried: the spec has "
                     "no-new-privileges; seccomp, AppArmor and SELinux profiles are each platform's default")
    if security:
        w["security"] = security
    if svc.get("working_dir") is not None:
        folder = str(ctx.value(svc["working_dir"], at + ("working_dir",)))
        if folder.startswith("/"):
            w["working_dir"] = folder
        else:
            ctx.loss(at + ("working_dir",), f"'{folder}' is not an absolute path: not carried (docker refuses it "
                     "too when the container starts)")
    if svc.get("hostname") is not None:
        _hostname(ctx, at + ("hostname",), str(ctx.value(svc["hostname"], at + ("hostname",))), w)
    if svc.get("stop_grace_period") is not None:
        raw = ctx.value(svc["stop_grace_period"], at + ("stop_grace_period",))
        grace = units.duration(raw)
        if grace is None:
            ctx.loss(at + ("stop_grace_period",), f"cannot read the duration '{raw}' (expected e.g. 10s or 1m30s): "
                     "each platform's default grace period applies")
        else:
            w["stop_grace_period"] = grace
    if svc.get("stop_signal") is not None:
        raw = str(ctx.value(svc["stop_signal"], at + ("stop_signal",))).strip()
        sig = _SIGNALS.get(int(raw)) if raw.isdigit() else ("SIG" + raw.upper()).replace("SIGSIG", "SIG")
        if sig is None or not re.fullmatch(r"SIG[A-Z]+[0-9]*([+-][0-9]+)?", sig):
            ctx.loss(at + ("stop_signal",), f"cannot read the signal '{raw}' (expected a name such as SIGQUIT): "
                     "the platform stops the container with SIGTERM")
        else:
            w["stop_signal"] = sig


def flag(ctx: Context, path: Path, value: Any) -> bool:
    """A compose boolean: true/false, or a string strconv.ParseBool reads (``"true"``, ``"1"``)."""
    value = ctx.value(value, path)
    if isinstance(value, bool):
        return value
    if str(value) in _TRUE | _FALSE:
        return str(value) in _TRUE
    ctx.loss(path, f"expected true or false, got '{value}': not carried")
    return False


def _user(ctx: Context, path: Path, value: Any) -> dict[str, Any]:
    """``user[:group]`` as ``{user, group}``; numbers as integers."""
    text = str(ctx.value(value, path)).strip()
    user, _, group = text.partition(":")
    out: dict[str, Any] = {}
    for key, part in (("user", user), ("group", group)):
        if not part:
            continue
        if _USER.fullmatch(part) and (part.isdigit() and int(part) <= 2147483647 or len(part) <= 32):
            out[key] = int(part) if part.isdigit() else part
        else:
            ctx.loss(path, f"the {key} '{part}' is not a numeric id or a user name the spec takes (lowercase "
                     f"letters, digits, '_', '.', '-'): not carried, the image's {key} applies")
    return out


def _capabilities(ctx: Context, path: Path, value: Any) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(value if isinstance(value, list) else [value] if value else []):
        name = str(ctx.value(item, path + (i,))).strip().upper()
        name = name[len("CAP_"):] if name.startswith("CAP_") else name
        if _CAPABILITY.fullmatch(name) and len(name) <= 32:
            if name not in out:
                out.append(name)
        else:
            ctx.loss(path + (i,), f"'{item}' is not a Linux capability name such as NET_ADMIN or ALL: not carried")
    return out


def _hostname(ctx: Context, path: Path, name: str, w: dict[str, Any]) -> None:
    if _HOSTNAME.fullmatch(name) and len(name) <= 253:
        w["hostname"] = name
    elif _HOSTNAME.fullmatch(name.lower()) and len(name) <= 253:  # host names are case-insensitive (RFC 4343)
        w["hostname"] = name.lower()
        ctx.loss(path, f"written '{name.lower()}': the spec's host names are lowercase", "changed")
    else:
        ctx.loss(path, f"'{name}' is not a host name the spec takes (lowercase letters, digits, '-' and '.'): "
                 "not carried, each platform names the container itself")
