"""The Jinja2 environment shared by the translators' templates.

Templates only loop and branch over a view model computed in Python; ``StrictUndefined`` makes
a misspelt name an error instead of an empty string.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from crossdock.translators.filters import FILTERS


@lru_cache(maxsize=None)
def environment(package_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(package_dir) / "templates")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def render(package_dir: str, template: str, **context: Any) -> str:
    return environment(package_dir).get_template(template).render(**context)
