"""The `crossdock` command: parse arguments, run the pipeline, print, map errors to exit codes.

Exit codes: 0 ok; 1 runtime or platform error; 2 invalid input (spec, flags, files);
3 --strict and some target cannot express part of the spec.  Errors are turned into one
message in exactly one place, ``main()``; nothing below prints a traceback.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Any, Callable, Sequence

import click

from crossdock import __version__
from crossdock.cli.options import ALLOWED_META, TargetChoice, allow_path_option
from crossdock.errors import (EXIT_RUNTIME, CrossdockError, InputError, Problem, SpecError, StrictModeError,
                              shown, shown_lines)

EPILOG_EXIT = "Exit codes: 0 ok, 1 runtime/platform error, 2 invalid input, 3 --strict and warnings."


def _spec_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = allow_path_option(fn)
    fn = click.option("--overlay", "overlays", multiple=True, type=click.Path(dir_okay=False),
                      help="An overlay file merged onto the spec (after --env); repeatable.")(fn)
    fn = click.option("--set", "set_vars", multiple=True, metavar="NAME=VALUE",
                      help="Set a variable (wins over the environment and the spec's variables:).")(fn)
    fn = click.option("--env", "env", metavar="NAME",
                      help="Apply the spec's environments.NAME overlay.")(fn)
    fn = click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))(fn)
    return fn


def _load(file: str, env: str | None, set_vars: Sequence[str], overlays: Sequence[str],
          secret_values: bool = True) -> Any:
    """Load the spec; ``-`` reads standard input, capped as a file is.  ``secret_values``: every
    from_env secret's variable must be set (deploy, diff); commands that write or show no value
    (validate, render, explain, status...) pass False.  Raises SpecError/InputError."""
    from crossdock.specs import files
    from crossdock.specs.loader import load
    parsed: dict[str, str] = {}
    for item in set_vars:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"--set {item!r}: expected NAME=VALUE (e.g. --set TAG=1.2)")
        parsed[name] = value
    text = files.read_stream(sys.stdin.buffer) if file == "-" else None
    ctx = click.get_current_context(silent=True)
    allowed: Sequence[str] = ctx.meta.get(ALLOWED_META, ()) if ctx is not None else ()
    return load(file, env=env, overlays=overlays, set_vars=parsed, text=text, allowed=allowed,
                require_secret_values=secret_values)


def _cache_templates() -> None:
    """Compiled templates go to the per-user cache ($XDG_CACHE_HOME/crossdock, else
    ~/.cache/crossdock): a new process then skips compiling them (see render.use_bytecode_cache)."""
    from crossdock.translators import render
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if os.path.isabs(root):
        render.use_bytecode_cache(os.path.join(root, "crossdock"))


def _targets(target: str) -> list[str]:
    """``-t NAME``, or every registered target for ``-t all``."""
    from crossdock import targets
    return targets.names() if target == "all" else [target]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EPILOG_EXIT)
@click.version_option(__version__, "--version", prog_name="crossdock")
def cli() -> None:
    """Describe an application once; run it on Kubernetes, Docker Swarm or Nomad.

    \b
    Examples:
      crossdock validate app.yaml
      crossdock render app.yaml --target all -o out/
      crossdock render app.yaml --target kubernetes --env production --set TAG=1.4 | kubectl apply -f -
      crossdock explain app.yaml
      crossdock schema > crossdock.schema.json
    """


@cli.command(epilog=EPILOG_EXIT)
@_spec_options
def validate(file: str, env: str | None, set_vars: Sequence[str], overlays: Sequence[str]) -> None:
    """Check a spec and report every problem with file:line:col.

    Without --env, the spec is checked as it is and with each of its environments applied.

    \b
    Example:
      crossdock validate app.yaml --env production
    """
    spec = _load(file, env, set_vars, overlays, secret_values=False)
    app = spec.app
    checked = [env] if env else [None, *_environment_names(spec)]
    problems: list[Problem] = []
    for name in checked[1:]:
        try:
            _load(file, name, set_vars, overlays, secret_values=False)
        except SpecError as e:
            problems.extend(Problem(p.path, f"{p.message} [with --env {name}]", p.location, p.hint) for p in e.problems)
    if problems:
        raise SpecError(problems)
    for name in spec.unavailable_secrets():
        click.echo(f"note: secrets.{name}: no value here ({_source(app.secrets[name])}); validate and render need "
                   "none, deploy does", err=True)
    counts = f"{len(app.services)} services, {len(app.jobs)} jobs, {len(app.cron_jobs)} cron jobs"
    envs = f"; environments checked: {', '.join(str(n) for n in checked[1:])}" if len(checked) > 1 else ""
    click.echo(f"{shown(file)}: valid ({app.name}: {counts}{envs})")


def _source(secret: Any) -> str:
    if secret.from_env is not None:
        return f"the environment variable {secret.from_env} is not set"
    return f"its file {shown(secret.from_file)} is not under the spec's folder (--allow-path) or not there"


def _environment_names(spec: Any) -> list[str]:
    """The environments a spec file declares (the loaded spec no longer carries them)."""
    from crossdock.specs import yamlsrc
    if spec.source == "-":
        return []
    envs = yamlsrc.parse(spec.source).data.get("environments")
    return sorted(envs) if isinstance(envs, dict) else []


@cli.command(epilog=EPILOG_EXIT)
@_spec_options
@click.option("-t", "--target", type=TargetChoice(extra=["all"]), required=True,
              help="Which platform to render for (all: every registered target).")
@click.option("-o", "--output", default="-", show_default=True, metavar="DIR|-",
              help="A folder (files go to DIR/<target>/, replaced whole) or - for standard output.")
@click.option("--strict", is_flag=True, help="Fail (exit 3, nothing written) if any target cannot "
              "express part of the spec, or a Kubernetes Secret is left out (see --include-secrets).")
@click.option("--layout", type=click.Choice(["single", "directory"]), default="single", show_default=True,
              help="Kubernetes: one multi-document file, or one file per resource plus kustomization.yaml.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the portability report.")
@click.option("--force", is_flag=True, help="With -o DIR: replace DIR/<target>/ folders that crossdock did not "
              "create without asking (never a folder holding the spec or a file it reads, nor / or ~).")
@click.option("--include-secrets", is_flag=True,
              help="Kubernetes: also write the Secrets holding the values of the spec's from_file/from_env secrets "
              "(base64, not encrypted: anyone who reads the file has them); with -o DIR their files get mode 0600; "
              "every from_env variable must then be set. Without it they are left out, and a note says how to "
              "create each one (--strict then fails).")
@click.option("--with-secret-values", is_flag=True, hidden=True)  # the name before --include-secrets
def render(file: str, env: str | None, set_vars: Sequence[str], overlays: Sequence[str], target: str,
           output: str, strict: bool, layout: str, quiet: bool, force: bool, include_secrets: bool,
           with_secret_values: bool) -> None:
    """Render a spec into files for one target or all of them.

    The portability report (what a target cannot express) goes to standard error.  No secret
    value is needed or written unless --include-secrets: a Kubernetes Secret holding one is left
    out (a note gives the command that creates it; `crossdock deploy` creates it too); Swarm and
    Nomad files never hold one.

    \b
    Examples:
      crossdock render app.yaml --target all -o out/
      crossdock render app.yaml -t swarm -o - > stack.yml
      crossdock render app.yaml -t kubernetes --layout directory -o deploy/
    """
    from crossdock import targets
    from crossdock.cli import output as out
    from crossdock.translators import base

    include_secrets = include_secrets or with_secret_values
    chosen = _targets(target)
    # Only a target whose files can hold a value writes one, and only with --include-secrets:
    # then every value must be there (an unset variable is exit 2 with its place in the spec).
    holds = any(targets.get(t).holds_secret_values for t in chosen)
    spec = _load(file, env, set_vars, overlays, secret_values=include_secrets and holds)
    if output != "-":  # refused before rendering: nothing is written and no time is spent
        out.check_destination(output, chosen, spec.read_files, force=force)
    _cache_templates()
    options = targets.RenderOptions(layout=layout, secret_values=include_secrets)
    bundles = [base.get(name, options).translate(spec) for name in chosen]
    warnings = [w for b in bundles for w in b.warnings]
    if warnings and not quiet:
        click.echo("Portability report:", err=True)
        for w in warnings:
            click.echo(f"  {w}", err=True)
    if strict and warnings:
        raise StrictModeError(f"--strict: {len(warnings)} portability warning(s); nothing was written")
    notes = out.withheld_notes(bundles, None if output == "-" else output)
    if strict and notes:
        for note in notes:
            click.echo(note, err=True)
        raise StrictModeError(f"--strict: {len(notes)} Kubernetes Secret(s) left out of the files (their values are "
                              "written only with --include-secrets); nothing was written")
    if output == "-":
        out.to_stream(bundles, sys.stdout)
    else:
        written = out.to_directory(bundles, output)
        click.echo(f"wrote {len(written)} files under {shown(output)}", err=True)
    for note in notes:
        click.echo(note, err=True)


@cli.command(epilog=EPILOG_EXIT)
@_spec_options
@click.option("-o", "--output", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True)
@click.option("--strict", is_flag=True, help="Exit 3 if the report is not empty.")
def explain(file: str, env: str | None, set_vars: Sequence[str], overlays: Sequence[str], fmt: str,
            strict: bool) -> None:
    """Show, all targets side by side, what each cannot express in this spec.

    \b
    Example:
      crossdock explain app.yaml -o markdown >> pull-request.md
    """
    from crossdock.cli import report
    from crossdock.translators import base

    spec = _load(file, env, set_vars, overlays, secret_values=False)
    _cache_templates()
    warnings = [w for t in _targets("all") for w in base.get(t).translate(spec).warnings]
    text = report.as_json(warnings) if fmt == "json" else report.as_table(warnings, markdown=fmt == "markdown")
    click.echo(text, nl=False)
    if strict and warnings:
        raise StrictModeError(f"--strict: {len(warnings)} portability warning(s)")


@cli.command()
@click.option("--matrix", is_flag=True, help="Print the feature support matrix (Markdown) instead.")
def schema(matrix: bool) -> None:
    """Print the JSON Schema of the app spec (for editors and CI).

    \b
    Use it in an editor with a first line such as:
      # yaml-language-server: $schema=./crossdock.schema.json
    """
    if matrix:
        from crossdock.translators.support import matrix_markdown
        click.echo(matrix_markdown(), nl=False)
        return
    from crossdock.specs.schema import json_schema_text
    click.echo(json_schema_text(), nl=False)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print a shell completion script.

    \b
    Example:
      eval "$(crossdock completion bash)"
    """
    from click.shell_completion import get_completion_class
    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "crossdock", "_CROSSDOCK_COMPLETE").source())


def _add_platform_commands() -> None:
    from crossdock.cli.platform_commands import COMMANDS  # click only; clients load on use
    for command in COMMANDS:
        cli.add_command(command)


_add_platform_commands()
from crossdock.cli.import_command import import_command  # noqa: E402 - click only; importers load on use
cli.add_command(import_command)
from crossdock.cli.compare.command import compare as compare_command  # noqa: E402 - click only; the engine loads on use
cli.add_command(compare_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; the one place where errors become a message and an exit code.

    With ``argv`` None the run takes the process's own arguments (the ``crossdock`` command,
    ``python -m crossdock``); in-process callers (tests) pass ``argv``.  Either way the code is
    returned and the process ends the ordinary way, so that the libraries' exit handlers run
    (the kubernetes client deletes there the temporary files that hold a kubeconfig's client
    key).  The command tells pydantic not to look for plugins (``PYDANTIC_DISABLE_PLUGINS``,
    unless the environment sets it): the spec model needs none, and the search reads the
    metadata of every installed distribution in every run.
    """
    if argv is None:
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _configure_logging()
    code = _main(argv)
    if argv is None:
        _flush_or_silence()
    return code


class _StderrHandler(logging.Handler):
    """``crossdock: <message>`` on the standard error stream of the moment (click's, so that a
    test capturing it sees it too), each line escaped as every other message is."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(f"crossdock: {shown_lines(self.format(record))}", err=True)
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


def _configure_logging() -> None:
    """The one place logging is set up: the ``crossdock`` loggers' warnings (a deploy lock that
    could not be renewed or deleted) go to stderr once, through this handler and not also
    through Python's last-resort one (which only speaks when no handler is found); info and
    debug are not shown.  What a command reports to
    the person (a stale lock taken over: ``Adapter.last_lock_note``) it prints itself, so the
    adapters log that at info level only.  Idempotent: in-process callers run main() often."""
    logger = logging.getLogger("crossdock")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler(logging.WARNING))


def _flush_or_silence() -> None:
    """Flush the output before the interpreter does; when the reader has gone (``crossdock ... |
    head``), point stdout at /dev/null so that the interpreter's own flush at exit does not print
    a BrokenPipeError (the Python documentation's recipe for SIGPIPE)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a closed stream: nothing more can be said
        pass


def _main(argv: Sequence[str] | None) -> int:
    try:
        # Without standalone mode click returns the code of a click.exceptions.Exit raised by a
        # command (diff --detailed-exitcode) instead of exiting.
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="crossdock", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return rv
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        shown_by_click = io.StringIO()  # click quotes the user's arguments as they are
        e.show(file=shown_by_click)
        click.echo(shown_lines(shown_by_click.getvalue()), err=True, nl=False)
        return e.exit_code
    except CrossdockError as e:
        # Line by line: a SpecError's lines are its problems, each escaped already; any other
        # error's own line breaks are kept and the rest of what it carries is escaped.
        text = shown_lines(str(e))
        click.echo(f"error: {text}" if "\n" not in text else text, err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - the promise is: never a traceback
        if os.environ.get("CROSSDOCK_DEBUG", "") not in ("", "0"):
            # printed, not re-raised: the promise is one message and an exit code
            import traceback
            traceback.print_exc()
            return EXIT_RUNTIME
        # Not the exception's text: its arguments may carry what it was reading (a line of the
        # user's file, a secret); its type and the CROSSDOCK_DEBUG traceback are enough to report it.
        click.echo(f"internal error: {type(e).__name__} (this is a bug in crossdock; "
                   "set CROSSDOCK_DEBUG=1 to see where)", err=True)
        return EXIT_RUNTIME
    return 0


if __name__ == "__main__":
    sys.exit(main())
