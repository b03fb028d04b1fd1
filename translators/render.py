"""The Jinja2 environment shared by the translators' templates.

Templates only loop and branch over a view model computed in Python; ``StrictUndefined`` makes
a misspelt name an error instead of an empty string.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from crossdock.translators.filters import FILTERS

_OPTIONS: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True,
                            "autoescape": False, "auto_reload": False}
_bytecode_cache: jinja2.BytecodeCache | None = None


@lru_cache(maxsize=None)
def environment(package_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(package_dir) / "templates")),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache,
        **_OPTIONS,
    )
    env.filters.update(FILTERS)
    # Jinja's default globals (range, dict, lipsum, cycler, joiner, namespace) are copied into
    # every render's context; the templates use none of them, and without them a render call
    # costs half as much (thousands of small documents per big app).  StrictUndefined makes a
    # template that reaches for one fail loudly.
    env.globals.clear()
    return env


def render(package_dir: str, template: str, **context: Any) -> str:
    return environment(package_dir).get_template(template).render(**context)


class _SafeCache(jinja2.FileSystemBytecodeCache):
    """A cache that is never the reason a render fails: a file it cannot read is a miss, one it
    cannot write is skipped.  Jinja writes each file under a temporary name and renames it, so
    concurrent processes never read half a file, and checks the template's checksum on load."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged cache file only costs a compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def use_bytecode_cache(root: str) -> None:
    """Keep compiled templates under ``root`` (the CLI's per-user cache folder).

    A command-line run otherwise compiles every template it renders: ~85 ms of a cold
    ``crossdock render --target all`` (~360 ms without the cache, ~275 ms with it).  Translators never call this: rendering stays free of writes unless
    the caller asks.  Entries are keyed by template path and checked against the template's
    checksum, so an edited template is compiled again; the folder name carries the Jinja and
    Python versions and the environment's options, whose compiled code differs.  A folder that
    cannot be made private to this user is not used.
    """
    global _bytecode_cache
    options = repr((jinja2.__version__, sys.version_info[:2], sorted(_OPTIONS.items()), sorted(FILTERS)))
    folder = os.path.join(root, "templates-" + hashlib.sha256(options.encode()).hexdigest()[:16])
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            return
    except OSError:
        return
    _bytecode_cache = _SafeCache(folder)
    environment.cache_clear()
