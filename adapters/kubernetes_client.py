"""The two parts of the official `kubernetes` client that crossdock uses, imported without the rest.

crossdock talks to the API server through ``kubernetes.client`` (ApiClient, Configuration, its
exceptions) and reads kubeconfig and in-cluster settings with ``kubernetes.config``.  The
package's ``__init__`` also imports ``dynamic`` (and through it ``kubernetes_validate`` and
jsonschema when they are installed), ``stream``, ``watch``, ``utils``, ``informer`` and
``leaderelection``: none of them used here, and together about 40% of the package's import
time, which every `crossdock deploy/status/diff` pays before its first request (measured in
bench/README.md, "deploy --wait against the native tools").

So when nothing has imported the package yet, it is registered without running its
``__init__``, and ``client`` and ``config`` are imported as the submodules they are.  The first
time anything asks the package for another name (``kubernetes.watch``, ``__version__``, a
``from kubernetes import *``), a module ``__getattr__`` runs the real ``__init__`` on the
same module object, so other code in the process sees the package it expects.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

from crossdock.adapters import deferred

_USED = ("client", "config")


def _register_package() -> None:
    if "kubernetes" in sys.modules:
        return
    spec = importlib.util.find_spec("kubernetes")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not installed, or not a regular package: the plain import below says so
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def __getattr__(name: str) -> Any:
        if name in _USED:
            return importlib.import_module(f"kubernetes.{name}")
        del package.__dict__["__getattr__"]
        loader.exec_module(package)  # the package's own __init__, now
        return getattr(package, name)

    package.__dict__["__getattr__"] = __getattr__
    sys.modules["kubernetes"] = package


_register_package()
# kube_config imports these for the refresh of OIDC tokens only (see adapters.deferred)
deferred.defer("requests_oauthlib", OAuth2Session=deferred.calling("requests_oauthlib", "OAuth2Session"))
deferred.defer("oauthlib.oauth2")
# ApiClient parses dates with dateutil only when it deserializes into the client's model
# classes, which crossdock does not use (it reads the API's JSON); kube_config has its own
# RFC 3339 parser.  dateutil.parser and its tz module: ~15 ms of every command's start.
deferred.defer("dateutil.parser", parse=deferred.calling("dateutil.parser", "parse"))

from kubernetes import client, config  # noqa: E402
from kubernetes.client.exceptions import ApiException, OpenApiException  # noqa: E402
from kubernetes.config.config_exception import ConfigException  # noqa: E402

__all__ = ["ApiException", "ConfigException", "OpenApiException", "client", "config"]
