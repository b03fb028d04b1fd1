"""The commands that talk to a platform: deploy, diff, status, destroy, logs.

They load and render exactly as `render` does, then hand the bundle to the target's adapter
(``crossdock.adapters``).  Platform client libraries are imported only when one of these
commands runs, never for `--help` or `render`.
"""

from __future__ import annotations

import json
import re
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence

import click

from crossdock.cli.options import TargetChoice, allow_path_option
from crossdock.errors import EXIT_INVALID, CrossdockError, DeployFailed, InputError

if TYPE_CHECKING:  # annotations only: the adapter and its model load with the command
    from crossdock.adapters.base import Adapter
    from crossdock.adapters.model import AppStatus, Plan
    from crossdock.specs.loader import LoadedSpec
    from crossdock.translators.base import Bundle

EPILOG = ("Exit codes: 0 ok, 1 runtime/platform error (unreachable, refused, not healthy in time), "
          "2 invalid input. diff --detailed-exitcode: 0 no changes, 2 changes.")


def _connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--namespace", "-n", help="Kubernetes namespace or Nomad namespace.")(fn)
    fn = click.option("--context", help="kubeconfig context (Kubernetes) or docker context (Swarm).")(fn)
    fn = click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                      help="Kubernetes: this kubeconfig file instead of KUBECONFIG or ~/.kube/config.")(fn)
    fn = click.option("-t", "--target", type=TargetChoice(), required=True,
                      help="Which platform.")(fn)
    return fn


def _render_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--env, --set, --overlay and --allow-path, as `render` has them."""
    fn = allow_path_option(fn)
    fn = click.option("--overlay", "overlays", multiple=True, type=click.Path(dir_okay=False),
                      help="Overlay file; repeatable.")(fn)
    fn = click.option("--set", "set_vars", multiple=True, metavar="NAME=VALUE", help="Set a variable; repeatable.")(fn)
    return click.option("--env", help="Apply the spec's environments.NAME overlay.")(fn)


def make_adapter(target: str, context: str | None, namespace: str | None, kubeconfig: str | None = None) -> Adapter:
    """The registered ``target``'s adapter; its client library is imported only now.  Raises
    InputError for a target that only renders (it registers no adapter), and for a connection
    option the target has no use for (``--kubeconfig`` but on Kubernetes, ``--namespace`` on
    Swarm, ``--context`` on Nomad: not in its ``Target.options``), rather than ignoring it."""
    from crossdock import targets
    found = targets.get(target)
    if found.adapter is None:
        raise InputError(f"-t {target}: {found.title} renders only (it registers no adapter): "
                         f"use `crossdock render -t {target}` and deploy the files by hand")
    for option, value in (("kubeconfig", kubeconfig), ("namespace", namespace), ("context", context)):
        if value is not None and option not in found.options:
            takes = [f"-t {t.name}" for t in targets.all_targets() if option in t.options]
            which = " and ".join(takes) + (" only" if len(takes) == 1 else "") if takes else "no target"
            raise InputError(f"--{option} is for {which} ({found.connects})")
    return found.adapter(targets.Connection(context=context, namespace=namespace, kubeconfig=kubeconfig))


def parse_timeout(text: str) -> float:
    from crossdock.specs.types import duration_seconds
    if not re.fullmatch(r"([0-9]+(ms|s|m|h))+", text):
        raise InputError(f"--timeout {text!r}: expected a duration such as 90s, 5m or 1h30m")
    return duration_seconds(text)


def _render(file: str, target: str, env: str | None, set_vars: Sequence[str],
            overlays: Sequence[str]) -> tuple[LoadedSpec, Bundle]:
    from crossdock.cli.main import _cache_templates, _load
    from crossdock.translators import base
    spec = _load(file, env, set_vars, overlays)
    _cache_templates()  # as `render` does: compiling the target's templates costs ~25-50 ms
    return spec, base.get(target).translate(spec)


def _app_name(file_or_app: str, env: str | None, set_vars: Sequence[str], overlays: Sequence[str]) -> str:
    """An app name given directly, or read from a spec file."""
    if re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", file_or_app) and not file_or_app.endswith((".yaml", ".yml")):
        import os
        if not os.path.exists(file_or_app):
            return file_or_app
    from crossdock.cli.main import _load
    return str(_load(file_or_app, env, set_vars, overlays, secret_values=False).app.name)


def _print_plan(plan: Plan, dry_run: bool = False) -> None:
    if plan.empty:
        click.echo(f"{plan.app} on {plan.target}: no changes")
        return
    verb = "would change" if dry_run else "changed"
    click.echo(f"{plan.app} on {plan.target}: {verb} {len(plan.changes)} object(s)")
    sign = {"create": "+", "update": "~", "delete": "-"}
    for c in plan.changes:
        extra = " (deleted and created again)" if c.recreate else ""
        click.echo(f"  {sign[c.action]} {c.kind} {c.name}{extra}")
        for f in c.fields:
            click.echo(f"      {f}")


class _Progress:
    """Per workload: desired / running / healthy; redrawn in place on a terminal, a plain line
    per change otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last: dict[str, str] = {}
        self.lines = 0

    def __call__(self, status: AppStatus) -> None:
        rows = {w.name: f"{w.name:<24} {w.kind:<8} desired {w.desired:>3}  running {w.running:>3}  "
                        f"healthy {w.healthy:>3}" for w in status.workloads}
        if self.tty:
            if self.lines:
                click.echo(f"\x1b[{self.lines}F\x1b[J", nl=False, err=True)
            for row in rows.values():
                click.echo(row, err=True)
            self.lines = len(rows)
        else:
            for name, row in rows.items():
                if self.last.get(name) != row:
                    click.echo(f"{time.strftime('%H:%M:%S')} {row}", err=True)
        self.last = rows


@click.command(epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@_connection_options
@_render_options
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the app is healthy.")
@click.option("--timeout", default="5m", show_default=True, help="How long --wait waits.")
@click.option("--dry-run", is_flag=True, help="Show what would change (the platform's own dry run); change nothing.")
def deploy(file: str, target: str, context: str | None, kubeconfig: str | None, namespace: str | None,
           env: str | None, set_vars: Sequence[str], overlays: Sequence[str], wait: bool, timeout: str,
           dry_run: bool) -> None:
    """Render and apply a spec; a second deploy of an unchanged spec changes nothing.

    \b
    Examples:
      crossdock deploy app.yaml -t kubernetes -n shop
      crossdock deploy app.yaml -t swarm --env production --timeout 10m
      crossdock deploy app.yaml -t nomad --dry-run
    """
    seconds = parse_timeout(timeout)
    spec, bundle = _render(file, target, env, set_vars, overlays)
    adapter = make_adapter(target, context, namespace, kubeconfig)
    if dry_run:
        _print_plan(adapter.plan(spec, bundle), dry_run=True)
        return
    plan = adapter.deploy(spec, bundle)
    if adapter.last_lock_note:
        click.echo(f"note: {adapter.last_lock_note}", err=True)
    _print_plan(plan)
    if not wait:
        return
    try:
        status = adapter.wait(spec.app.name, seconds, progress=_Progress())
    except DeployFailed as e:
        for name, why in sorted(e.failures.items()):
            click.echo(f"  {name}: {why}", err=True)
        raise
    click.echo(f"{spec.app.name} on {target}: healthy ({len(status.workloads)} workloads)")


@click.command(epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@_connection_options
@_render_options
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none (for CI).")
def diff(file: str, target: str, context: str | None, kubeconfig: str | None, namespace: str | None,
         env: str | None, set_vars: Sequence[str], overlays: Sequence[str], detailed_exitcode: bool) -> None:
    """Show what a deploy would change: created, changed (with fields) and deleted objects.

    \b
    Example:
      crossdock diff app.yaml -t kubernetes --detailed-exitcode
    """
    spec, bundle = _render(file, target, env, set_vars, overlays)
    plan = make_adapter(target, context, namespace, kubeconfig).plan(spec, bundle)
    _print_plan(plan, dry_run=True)
    if detailed_exitcode and not plan.empty:
        raise click.exceptions.Exit(2)


@click.command(epilog=EPILOG)
@click.argument("file_or_app")
@_connection_options
@_render_options
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table",
              show_default=True)
def status(file_or_app: str, target: str, context: str | None, kubeconfig: str | None, namespace: str | None,
           env: str | None, set_vars: Sequence[str], overlays: Sequence[str], fmt: str) -> None:
    """Show an app's status, in one shape for every platform (FILE or app name).

    \b
    Example:
      crossdock status app.yaml -t swarm -o json
    """
    app = _app_name(file_or_app, env, set_vars, overlays)
    st = make_adapter(target, context, namespace, kubeconfig).status(app)
    if fmt == "json":
        click.echo(json.dumps(st.to_dict(), indent=2, sort_keys=True))
        return
    if fmt == "yaml":
        import yaml
        click.echo(yaml.safe_dump(st.to_dict(), sort_keys=True), nl=False)
        return
    click.echo(f"{st.app} on {st.target}: {'ready' if st.ready else 'not ready'}")
    click.echo(f"{'WORKLOAD':<24} {'KIND':<9} {'DESIRED':>7} {'RUNNING':>7} {'HEALTHY':>7}  IMAGE")
    for w in st.workloads:
        click.echo(f"{w.name:<24} {w.kind:<9} {w.desired:>7} {w.running:>7} {w.healthy:>7}  {w.image or '-'}")
        for i in w.instances:
            where = f" on {i.node}" if i.node else ""
            msg = f": {i.message}" if i.message else ""
            click.echo(f"    {i.id} {i.state}{where} restarts {i.restarts}{msg}")
        for r in w.runs[-3:]:
            code = f" exit {r.exit_code}" if r.exit_code is not None else ""
            click.echo(f"    run {r.id} {r.state}{code} {r.started or ''} {r.finished or ''}".rstrip())
        for err in w.errors[-3:]:
            click.echo(f"    ! {err}")


@click.command(epilog=EPILOG)
@click.argument("file_or_app")
@_connection_options
@_render_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def destroy(file_or_app: str, target: str, context: str | None, kubeconfig: str | None, namespace: str | None,
            env: str | None, set_vars: Sequence[str], overlays: Sequence[str], yes: bool) -> None:
    """Remove exactly what crossdock created for an app, and wait until it is gone.

    \b
    Example:
      crossdock destroy app.yaml -t kubernetes -n shop --yes
    """
    app = _app_name(file_or_app, env, set_vars, overlays)
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(f"destroy {app}: confirmation needed; add --yes when not on a terminal")
        click.confirm(f"Remove everything crossdock deployed for '{app}' on {target}?", abort=True)
    removed = make_adapter(target, context, namespace, kubeconfig).destroy(app)
    click.echo(f"{app} on {target}: removed {len(removed)} object(s)")
    for name in removed:
        click.echo(f"  - {name}")


@click.command(epilog=EPILOG)
@click.argument("file_or_app")
@click.argument("workload")
@_connection_options
@_render_options
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
def logs(file_or_app: str, workload: str, target: str, context: str | None, kubeconfig: str | None,
         namespace: str | None, env: str | None, set_vars: Sequence[str], overlays: Sequence[str],
         follow: bool) -> None:
    """Print a workload's container logs.

    \b
    Example:
      crossdock logs app.yaml web -t swarm --follow
    """
    app = _app_name(file_or_app, env, set_vars, overlays)
    for line in make_adapter(target, context, namespace, kubeconfig).logs(app, workload, follow=follow):
        click.echo(line.rstrip("\n"))


COMMANDS = [deploy, diff, status, destroy, logs]
__all__ = ["COMMANDS", "EXIT_INVALID", "CrossdockError", "make_adapter", "parse_timeout"]
