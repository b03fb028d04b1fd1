"""Offline checkers that judge rendered output by each platform's own rules.

- ``checkers.kubernetes.validate(docs)``: every document against the official OpenAPI
  schemas (``kubernetes-validate``'s strict copies: unknown fields fail) for the three
  newest Kubernetes minors it knows (``VERSIONS``), plus the API server's name, label and
  quantity rules the schemas cannot express (``kubernetes_rules``); returns error lines.
- ``checkers.swarm.stack_config(text)``: ``docker stack config``, the docker CLI's own
  compose v3 loader, plus keys ``docker stack deploy`` ignores and undeclared references;
  returns the interpolated, normalised config or raises CheckFailed.
- ``checkers.nomad.check_job_json(texts)``: a Go program strictly decodes each job into
  ``api.Job`` from ``github.com/hashicorp/nomad/api`` and runs agent-like sanity checks;
  returns error lines.

Submodules are imported by name so that a test needing one checker does not pay for the
others (the docker CLI, the Go toolchain).
"""

from __future__ import annotations

__all__ = ["CheckFailed"]


class CheckFailed(AssertionError):
    """The platform's own rules rejected the output; the message is the platform's.

    An AssertionError so that pytest shows it as a test failure with the message.
    """
