"""What the compose importer tests share: importing a project held in memory, checking it loads."""

from __future__ import annotations

from typing import Sequence

from crossdock.specs.model import App
from crossdock.translators.importers import base
from crossdock.translators.importers.compose import ComposeImporter


def import_compose(text: str, profiles: Sequence[str] = (), environ: dict[str, str] | None = None,
                   **files: str) -> tuple[App, base.ImportResult, str]:
    """(the app, the import result, the spec text) for ``p/compose.yaml`` holding ``text``; the
    spec is loaded back as `crossdock validate` would (with nothing exported but what
    placeholder_environ stands in for: secrets' variables and required variables)."""
    sources = base.MemorySources({"p/compose.yaml": text, **{f"p/{k}": v for k, v in files.items()}})
    result = ComposeImporter(profiles).import_files(["p/compose.yaml"], sources, name="t", environ=environ or {})
    spec = base.write_spec(result)
    return base.check_spec(spec).app, result, spec


def losses(result: base.ImportResult) -> dict[str, base.Loss]:
    return {loss.path: loss for loss in result.losses}
