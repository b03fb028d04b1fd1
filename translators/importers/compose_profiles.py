"""Compose profiles: which services an import keeps, as ``docker compose --profile NAME`` chooses.

A service without ``profiles`` is always kept; a service with profiles only when one of them is
chosen (``--profile``, repeatable; without it, the ``COMPOSE_PROFILES`` variable of the
environment or the project's ``.env``, comma-separated, as compose reads it; ``*`` chooses every
profile).  A service left out is reported, and removed from the project before anything is
mapped, so nothing else refers to it.
"""

from __future__ import annotations

from typing import Any, Sequence

from crossdock.translators.importers.compose_load import Project


def chosen_profiles(project: Project, environ: dict[str, str], given: Sequence[str]) -> set[str]:
    if given:
        return {p for item in given for p in item.split(",") if p}
    value = environ.get("COMPOSE_PROFILES", project.dotenv.values.get("COMPOSE_PROFILES", ""))
    return {p.strip() for p in value.split(",") if p.strip()}


def select(project: Project, chosen: set[str]) -> set[str]:
    """Remove the services no chosen profile enables from ``project.data``; their names."""
    services: dict[str, Any] = project.data.get("services") or {}
    left_out = set()
    for name, svc in list(services.items()):
        profiles = svc.get("profiles") if isinstance(svc, dict) else None
        if not isinstance(profiles, list) or not profiles or "*" in chosen or chosen & {str(p) for p in profiles}:
            continue
        listed = ", ".join(str(p) for p in profiles)
        how = f"--profile {' --profile '.join(sorted(chosen))}" if chosen else "no --profile"
        project.loss(("services", name, "profiles"), f"left out: its profiles ({listed}) are not among those "
                     f"chosen ({how}), as docker compose leaves it out; import with --profile to keep it")
        left_out.add(name)
        del services[name]
    return left_out
