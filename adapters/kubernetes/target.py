"""Kubernetes as a crossdock target: its registration (entry point ``kubernetes`` in the group
``crossdock.targets``).  Each factory imports its package only when called."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from crossdock.targets import Connection, RenderOptions, Target

if TYPE_CHECKING:
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.compare.hooks import CompareHooks
    from crossdock.translators.base import Translator
    from crossdock.translators.support import Support


def _translator(options: RenderOptions) -> Translator:
    from crossdock.translators.kubernetes.translator import KubernetesTranslator, layout
    return KubernetesTranslator(layout=layout(options.layout), secret_values=options.secret_values)


def _support() -> Mapping[str, Support]:
    from crossdock.translators.kubernetes.support import COLUMN
    return COLUMN


def _adapter(c: Connection) -> Adapter:
    from crossdock.adapters.kubernetes.adapter import KubernetesAdapter
    return KubernetesAdapter(namespace=c.namespace, context=c.context, kubeconfig=c.kubeconfig,
                             poll_interval=1.0 if c.poll_interval is None else c.poll_interval)


def _compare(c: Connection) -> CompareHooks:
    from crossdock.adapters.kubernetes.compare import KubernetesCompare
    return KubernetesCompare(c)


TARGET = Target("kubernetes", "Kubernetes", _translator, _support, _adapter, compare=_compare,
                options=frozenset({"context", "namespace", "kubeconfig"}),
                connects="Kubernetes connects through KUBECONFIG or ~/.kube/config, --kubeconfig FILE, --context NAME",
                order=10, holds_secret_values=True)
