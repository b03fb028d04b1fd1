"""crossdock: one app spec, three orchestrators (Kubernetes, Docker Swarm, Nomad)."""

from __future__ import annotations

__version__ = "0.1.0"
