"""Docker Swarm: one stack file for ``docker stack deploy``, in the docker CLI's compose v3 schema.

The bundle holds ``swarm/<app>.stack.yml`` and, next to it, ``swarm/configs/<workload>-<i>-<name>``
for every config file (the stack file reads them with ``file: ./configs/...``).  Deploy with
``docker stack deploy -c <app>.stack.yml <app>`` from that directory, after creating the
secrets (``printf %s "$VALUE" | docker secret create <app>_<secret> -``), which the stack file
declares ``external``: it cannot carry their values.

What maps to what is decided in ``view`` (services, jobs, update, restart, labels), ``health``
(the single health check), ``placement`` and ``storage`` (configs, secrets, volumes); what
Swarm cannot express is reported, never silently dropped.  The output follows the compose v3
rules the docker CLI enforces, not the newer Compose Specification: integer published ports,
no ``build``/``restart``/``container_name``/``depends_on``; the stack's default overlay network
(``<stack>_default``) connects all services, so no network is declared.

Escape hatch: ``x-swarm`` at app level is deep-merged into the top-level document (e.g. to
declare ``networks:``), at workload level into that service's entry (e.g. ``deploy:
{endpoint_mode: dnsrr}``, ``sysctls``); see ``extend``.  Strings are written
through the ``compose`` filter (``$`` doubled, YAML 1.1 traps quoted), so every value reaches
the containers unchanged after the CLI's interpolation.
"""

from __future__ import annotations

from pathlib import Path

from crossdock.specs.loader import LoadedSpec
from crossdock.translators.base import Bundle, Report
from crossdock.translators.render import render
from crossdock.translators.support import Target
from crossdock.translators.swarm import extend, view

_PACKAGE = str(Path(__file__).parent)


class SwarmTranslator:
    name: Target = "swarm"

    def translate(self, spec: LoadedSpec) -> Bundle:
        """Render ``spec`` as a stack file and its config files. Pure; raises nothing for a
        spec the loader accepted."""
        report = Report(self.name)
        stack = view.build(spec, report)
        text = render(_PACKAGE, "stack.yml.j2", stack=stack)
        service_blocks = {s.name: s.extension for s in stack.services if s.extension is not None}
        if stack.extension is not None or service_blocks:
            text = extend.apply(text, stack.extension, service_blocks)
        primary = f"swarm/{spec.app.name}.stack.yml"
        files = {primary: text}
        files.update({f"swarm/{c.file.removeprefix('./')}": c.content for c in stack.configs})
        return Bundle(self.name, files, report.sorted(), primary)
