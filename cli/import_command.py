"""`crossdock import`: compose files, Kubernetes manifests or Nomad jobs -> an app spec.

The spec goes to standard output or to ``-o FILE`` (written whole or not at all: a temporary file
in the same folder, renamed over the target); the loss report (what was not carried over, with
file:line:col) goes to standard error.  ``--strict`` turns any loss into exit code 3 and writes
nothing.  The written spec is loaded back before anything is written: a spec that does not load
is a bug in the importer, reported as such.
"""

from __future__ import annotations

import os
import tempfile
from typing import Sequence

import click

from crossdock.errors import CrossdockError, InputError, SpecError, StrictModeError, shown

EPILOG = "Exit codes: 0 ok, 2 invalid input, 3 --strict and something was not carried over."


@click.command("import", epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option("--from", "source", type=click.Choice(["compose", "kubernetes", "nomad", "auto"]), default="auto",
              show_default=True, help="The format of the input; auto tells it from the files.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the spec (replaced whole; its folder is created), or - for standard output. "
              "Paths in the spec are relative to its folder.")
@click.option("--name", help="The app's name (default: from the input, e.g. the compose project's folder).")
@click.option("--strict", is_flag=True, help="Fail (exit 3, nothing written) if anything could not be carried over.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the loss report.")
@click.option("--secret", "secret", multiple=True, metavar="NAME",
              help="Treat the variable NAME as a secret whatever its name and value (repeatable).")
@click.option("--not-secret", "not_secret", multiple=True, metavar="NAME",
              help="Keep the variable NAME as a plain value even if it looks secret (repeatable).")
@click.option("--allow-path", "allowed", multiple=True, metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="Also read files the input names under DIR (env_file:, include:, bind mounts...; by default "
              "only under the folders of the paths given); repeatable.")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="compose: also import the services of profile NAME, as docker compose --profile (repeatable; "
              "services without profiles are always imported).")
def import_command(paths: Sequence[str], source: str, output: str, name: str | None, strict: bool,
                   quiet: bool, secret: Sequence[str], not_secret: Sequence[str], allowed: Sequence[str],
                   profiles: Sequence[str]) -> None:
    """Turn compose files, Kubernetes manifests or Nomad jobs into an app spec.

    Several compose files are merged as `docker compose -f a.yml -f b.yml` merges them; a folder
    stands for the files in it.  The loss report on standard error lists every field or object
    not carried over, or carried with another meaning, with its file:line:col.

    A value that looks secret (by its variable's name, PASSWORD, TOKEN..., or by its shape: a URL
    with a password, a private key, an access token) is never copied: it becomes a secret read
    from an environment variable (or from its file) when the spec is used.  --secret NAME and
    --not-secret NAME override that choice for one variable.

    \b
    Examples:
      crossdock import docker-compose.yml -o app.yaml
      crossdock import compose.yml compose.prod.yml --name shop -o app.yaml
      crossdock import k8s/ --from kubernetes --strict > app.yaml
      crossdock import jobs/web.nomad.hcl -o app.yaml
      crossdock import compose.yml --not-secret AUTH_KEY_ID --secret LICENSE -o app.yaml
    """
    from crossdock.specs import files
    from crossdock.specs.classify import SecretRules
    from crossdock.translators.importers import base
    from crossdock.translators.importers.spec_writer import rebase_paths

    sources = base.FileSources(named=paths, allowed=allowed)
    chosen = base.detect(paths, sources) if source == "auto" else source
    try:
        importer = base.get_importer(chosen)
    except ImportError as e:
        raise InputError(f"--from {chosen}: this importer is not available ({e})") from e
    if profiles:
        if chosen != "compose":
            raise InputError(f"--profile: only compose files have profiles (these are {chosen})")
        from crossdock.translators.importers.compose import ComposeImporter
        importer = ComposeImporter(profiles)
    rules = SecretRules(frozenset(secret), frozenset(not_secret))
    result = importer.import_files(list(paths), sources, name=name, environ=os.environ, secret_rules=rules)
    base.fit_names(result, given_name=name)
    # A spec's paths (from_file, file) are relative to its own folder: rebased for -o, and the
    # check loads the spec from there, as `crossdock validate` will.
    spec_dir = None if output == "-" else os.path.dirname(os.path.abspath(output))
    outside = [] if spec_dir is None else rebase_paths(result.doc, os.getcwd(), spec_dir)
    text = base.write_spec(result)
    size = len(text.encode("utf-8"))
    if size > files.MAX_SPEC_BYTES:  # every part under its own cap, the whole over the spec's
        raise InputError(f"{', '.join(shown(s) for s in result.sources)}: the spec this import would write is "
                         f"{size / 2**20:.1f} MiB, over the {files.MAX_SPEC_BYTES // 2**20} MiB a spec may be "
                         "(what the files hold together, once YAML aliases, extends and env files are expanded); split the app "
                         "or import fewer files; nothing was written")
    try:
        base.check_spec(text, base_dir=spec_dir, allowed=(*sources.roots, *sources.allowed))
    except SpecError as e:
        raise CrossdockError(f"the imported spec does not load; this is a bug in crossdock import "
                             f"({chosen}), please report it:\n{e}") from e
    if result.losses and not quiet:
        click.echo(f"Loss report ({len(result.losses)}): not carried over, or carried with another meaning:",
                   err=True)
        for loss in result.losses:
            click.echo(f"  {loss}", err=True)
    for where, path in outside if not quiet else []:
        folder = os.path.relpath(os.path.dirname(os.path.normpath(os.path.join(spec_dir or ".", path))))
        click.echo(f"note: {where}: {shown(path)} is outside the spec's folder: validate and render do not need it; "
                   f"deploy and render --include-secrets read it with --allow-path {shown(folder)}", err=True)
    if strict and result.losses:
        raise StrictModeError(f"--strict: {len(result.losses)} thing(s) not carried over as they were; "
                              "nothing was written")
    if output == "-":
        click.echo(text, nl=False)
        return
    _write_atomically(output, text, sources.read_paths)
    counts = {s: len(result.doc.get(s) or {}) for s in ("services", "jobs", "cron_jobs")}
    click.echo(f"wrote {shown(output)} ({counts['services']} services, {counts['jobs']} jobs, "
               f"{counts['cron_jobs']} cron jobs) from {', '.join(shown(s) for s in result.sources)}", err=True)


def _write_atomically(path: str, text: str, inputs: Sequence[str] = ()) -> None:
    """Write ``text`` to ``path`` whole or not at all; never over a folder, something that is
    not a regular file (a device, a FIFO), or one of ``inputs`` (resolved paths of the files
    imported). Raises InputError."""
    if os.path.isdir(path):
        raise InputError(f"-o {shown(path)}: is a folder; give a file name such as "
                         f"{shown(os.path.join(path, 'app.yaml'))}")
    real = os.path.realpath(path)
    if real in inputs:
        raise InputError(f"-o {shown(path)}: is one of the files being imported; write the spec to another file "
                         "(e.g. -o app.yaml); nothing was written")
    if os.path.exists(real) and not os.path.isfile(real):
        raise InputError(f"-o {shown(path)}: exists and is not a regular file; give a file name; nothing was written")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".crossdock-import-", suffix=".yaml", dir=folder)
    except OSError as e:
        raise InputError(f"-o {path}: cannot write in {folder}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise InputError(f"-o {path}: cannot write: {e.strerror or e}") from e
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
