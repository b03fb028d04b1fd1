"""`crossdock compare`: the same app measured on each platform, side by side.

The command parses options, turns SIGINT/SIGTERM into a clean teardown, prints progress to
stderr and the comparison to stdout, writes the report files, and picks the exit code:
0 the comparison completed (a platform that is not reachable is listed as not measured),
1 a scenario failed on a reachable platform (what was measured is still shown), 2 bad input,
130 interrupted (the app was destroyed; a second signal aborts the teardown).
"""

from __future__ import annotations

import re
import signal
import sys
import time
from types import FrameType
from typing import Any, Sequence

import click

from crossdock import targets
from crossdock.cli.options import ALLOWED_META, allow_path_option
from crossdock.errors import InputError

SCENARIO_NAMES = ("deploy", "status", "scale", "heal", "update", "job")
EPILOG = ("Exit codes: 0 compared (unreachable platforms are listed as not measured), 1 a scenario failed on a "
          "reachable platform, 2 invalid input, 130 interrupted (the app is destroyed first).")
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _list(option: str, text: str, allowed: Sequence[str], extra: Sequence[str] = ()) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in items if x not in (*allowed, *extra)]
    if bad or not items:
        raise InputError(f"{option} {text!r}: expected a comma-separated list of {', '.join((*allowed, *extra))}")
    return list(dict.fromkeys(items))


class _Signals:
    """First SIGINT/SIGTERM: stop the run and tear down (``Interrupted`` is raised, or only noted
    while a teardown runs); a second one aborts, teardown included."""

    def __init__(self, guard: Any) -> None:
        self.guard = guard
        self.saved: dict[int, Any] = {}

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        from crossdock.adapters.compare.session import Interrupted
        if self.guard.interrupted:
            raise KeyboardInterrupt
        self.guard.interrupted = True
        click.echo(f"{signal.Signals(signum).name}: stopping, destroying the app (again to abort)", err=True)
        if not self.guard.tearing_down:
            raise Interrupted

    def __enter__(self) -> _Signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.saved[sig] = signal.signal(sig, self)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self.saved.items():
            signal.signal(sig, old)


@click.command(epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--targets", "targets_text", default=lambda: ",".join(targets.names()),
              show_default="every registered target",
              help="Comma-separated targets to compare; a target registered without compare hooks gets the "
                   "static comparison only, and the live run lists it as not measured.")
@click.option("--scenarios", "scenarios_text", default="all", show_default=True,
              help="Comma-separated live scenarios: deploy, status, scale, heal, update, job; "
                   "'all', or 'none' for the static comparison only.")
@click.option("--repeat", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Runs of each scenario; the table shows the median and the spread.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False),
              help="Write report.html, report.json and report.md into this folder.")
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="What to print on stdout.")
@click.option("--env", help="Apply the spec's environments.NAME overlay.")
@click.option("--set", "set_vars", multiple=True, metavar="NAME=VALUE", help="Set a variable; repeatable.")
@click.option("--overlay", "overlays", multiple=True, type=click.Path(dir_okay=False), help="Overlay file; repeatable.")
@click.option("--name", help="App name for the live runs (default: <app>-cmp-<random>, never a deployed app's).")
@click.option("--service", help="The service to scale, kill, update and probe (default: the first with an "
                                "HTTP route or a published port).")
@click.option("--scale-to", type=click.IntRange(0, 1000), help="Replicas for the scale scenario (default: N+2).")
@click.option("--update-env", metavar="NAME", help="The env var the update changes (default: "
                                                   "CROSSDOCK_COMPARE_REVISION, added by the comparison).")
@click.option("--probe-path", default="/env", show_default=True,
              help="HTTP path the prober calls; its answer must show the update's env var as NAME=VALUE.")
@click.option("--namespace", "-n", help="Kubernetes namespace (default: one created for the run and deleted after).")
@click.option("--context", help="kubeconfig context (Kubernetes) or docker context (Swarm).")
@click.option("--timeout", default="5m", show_default=True, help="How long one scenario step may take.")
@allow_path_option
def compare(file: str, targets_text: str, scenarios_text: str, repeat: int, report_dir: str | None, fmt: str,
            env: str | None, set_vars: Sequence[str], overlays: Sequence[str], name: str | None,
            service: str | None, scale_to: int | None, update_env: str | None, probe_path: str,
            namespace: str | None, context: str | None, timeout: str) -> None:
    """Measure the same app on each platform and report side by side.

    Static comparison (always, no platform needed): objects, lines of configuration, features
    native / approximated / not supported, portability score, render time.  Live comparison on
    each reachable platform: deploy, status, scale, heal, update (with an HTTP prober), job,
    each repeated; the app is destroyed after each platform's run.

    \b
    Examples:
      crossdock compare app.yaml --env local --targets swarm,kubernetes --report out/
      crossdock compare app.yaml --scenarios none -o markdown >> pull-request.md
      crossdock compare app.yaml --scenarios deploy,update --repeat 5 -o json
    """
    from crossdock.adapters.compare.engine import Options
    from crossdock.cli.main import _load
    from crossdock.cli.platform_commands import parse_timeout

    scen = _list("--scenarios", scenarios_text, SCENARIO_NAMES, ("all", "none"))
    live = list(SCENARIO_NAMES) if "all" in scen else [s for s in scen if s != "none"]
    if name is not None and (not _NAME.fullmatch(name) or len(name) > 50):
        raise InputError(f"--name {name!r}: expected lowercase letters, digits and '-' (at most 50), "
                         "starting and ending with a letter or digit")
    if not probe_path.startswith("/"):
        raise InputError(f"--probe-path {probe_path!r}: expected a path starting with '/'")
    _load(file, env, set_vars, overlays)  # bad --set values and spec problems: exit 2 before anything runs
    opts = Options(file, _list("--targets", targets_text, targets.names()), live, repeat, env,
                   dict(item.split("=", 1) for item in set_vars), tuple(overlays), name, service, scale_to, update_env, probe_path,
                   namespace, context, parse_timeout(timeout),
                   allowed=tuple(click.get_current_context().meta.get(ALLOWED_META, ())))
    _run(opts, report_dir, fmt)


def _say(message: str) -> None:
    click.echo(f"{time.strftime('%H:%M:%S')} {message}", err=True)


def _run(opts: Any, report_dir: str | None, fmt: str) -> None:
    from crossdock.adapters.compare.engine import compare as run_compare
    from crossdock.adapters.compare.session import Guard, Interrupted
    from crossdock.cli.compare import report, table

    guard = Guard()
    try:
        with _Signals(guard):
            result = run_compare(opts, guard, _say)
    except Interrupted:
        click.echo("interrupted before anything was deployed", err=True)
        raise click.exceptions.Exit(130) from None
    except KeyboardInterrupt:
        click.echo("aborted during the teardown: the app may be left on the platform; remove it with "
                   "`crossdock destroy <app> -t <target> --yes`", err=True)
        raise click.exceptions.Exit(130) from None
    if report_dir:
        for path in report.write(result, report_dir):
            _say(f"wrote {path}")
    out = {"table": table.text, "json": report.as_json, "markdown": table.markdown}[fmt](result)
    sys.stdout.write(out)
    sys.stdout.flush()
    if result.interrupted:
        raise click.exceptions.Exit(130)
    if result.failed:
        raise click.exceptions.Exit(1)
