"""Stand-ins for modules that a platform client imports when it starts but crossdock's commands
do not use, loaded for real the first time anything uses them.

Every `crossdock deploy/status/diff` pays its client library's import time before its first
request (bench/README.md, "deploy --wait against the native tools").  Some of that time goes on
modules the commands never reach:

- ``kubernetes.config.kube_config`` imports ``requests_oauthlib`` (and with it ``requests``) and
  ``oauthlib.oauth2`` for the refresh of OIDC tokens, which only a kubeconfig with an ``oidc``
  auth provider uses;
- ``requests`` (under docker-py and python-nomad) imports ``charset_normalizer`` to check its
  version and to guess the encoding of a response that declares none (``Response.text`` of such
  a response, e.g. a plain-text error body).

``defer(name, **preset)`` puts a stand-in module in ``sys.modules`` that carries only what the
import system reads (``__spec__``, ``__path__``) and ``preset`` (what the importer reads at
import time: a version, a class it calls later).  The first time
anything reads any other attribute, the real module is imported, its namespace copied into the
stand-in (so references to the stand-in keep working), and ``sys.modules`` and the parent
package point at the real module from then on.  A module that is not installed, or that is
already imported, is left alone: the import then behaves exactly as without this module.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
import types
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()


class Deferred(types.ModuleType):
    """A module not imported yet: any attribute but the preset ones imports it."""

    def __getattr__(self, attr: str) -> Any:  # only called for names the stand-in lacks
        return getattr(load(self), attr)


def defer(name: str, **preset: Any) -> bool:
    """Register a stand-in for module ``name``; True when one was registered."""
    with _LOCK:
        if name in sys.modules:
            return False
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        stand_in = Deferred(name)
        # what the import system reads of a module in sys.modules (`from name import x`
        # looks for __path__; submodules are found through it)
        stand_in.__spec__, stand_in.__file__ = spec, spec.origin
        stand_in.__package__ = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
        if spec.submodule_search_locations is not None:
            stand_in.__path__ = list(spec.submodule_search_locations)
        stand_in.__dict__.update(preset)
        stand_in.__dict__["__crossdock_deferred__"] = True
        sys.modules[name] = stand_in
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, stand_in)
        return True


def load(stand_in: types.ModuleType) -> types.ModuleType:
    """The real module behind ``stand_in`` (imported now if it was not)."""
    name = stand_in.__name__
    with _LOCK:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        real = importlib.import_module(name)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, real)
        if stand_in.__dict__.pop("__crossdock_deferred__", False):
            stand_in.__dict__.update(real.__dict__)
        return real


def calling(module: str, attr: str) -> Any:
    """A callable that imports ``module`` and calls its ``attr`` (for a name an importer binds
    with ``from module import attr`` and only calls later)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        found = sys.modules.get(module)
        real = load(found) if isinstance(found, Deferred) else importlib.import_module(module)
        return getattr(real, attr)(*args, **kwargs)

    call.__name__ = call.__qualname__ = attr
    call.__doc__ = f"{module}.{attr}, imported on first call"
    return call


def charset_normalizer() -> bool:
    """Defer ``charset_normalizer`` before ``requests`` is imported: requests reads only its
    ``__version__`` at import time (taken here from the package's ``version.py``, without
    running the package) and calls ``detect`` when a response declares no encoding."""
    if "charset_normalizer" in sys.modules or "requests" in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec("charset_normalizer")
        origin = spec.origin if spec is not None else None
        if origin is None:
            return False
        text = (Path(origin).parent / "version.py").read_text(encoding="utf-8")
    except (ImportError, ValueError, OSError):
        return False
    found = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
    if found is None:
        return False
    return defer("charset_normalizer", __version__=found.group(1))
