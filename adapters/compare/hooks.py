"""What `crossdock compare` needs from a target beyond its adapter (the target's ``compare``
factory returns one): to be completed with the compare engine's per-target steps."""

from __future__ import annotations

from typing import Protocol

from crossdock.adapters.base import Adapter


class CompareHooks(Protocol):
    adapter: Adapter
