"""Options shared by every command that reads a spec, kept out of main.py so that the command
modules main.py imports (platform commands) can use them without importing main."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import click

ALLOWED_META = "crossdock.allowed_paths"  # click context meta: the --allow-path folders


def _remember_allowed(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> Sequence[str]:
    ctx.meta[ALLOWED_META] = tuple(value)
    return value


def allow_path_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--allow-path DIR`` (repeatable), kept in the click context so that every command that
    loads a spec gets it through ``_load`` without a parameter of its own."""
    return click.option("--allow-path", "allowed_paths", multiple=True, metavar="DIR", expose_value=False,
                        type=click.Path(exists=True, file_okay=False), callback=_remember_allowed,
                        help="Also read files the spec names under DIR (by default only under the spec's "
                        "folder); repeatable.")(fn)


class TargetChoice(click.Choice[str]):
    """``-t NAME``: a registered target's name (crossdock.targets), plus ``extra`` (``all``).

    The names are read from the registry when a value is checked or help is shown, not when
    the command is defined: ``crossdock --help`` and a command that takes no ``-t`` never read
    the installed distributions' entry points.  A name not registered is click's usage error
    (exit 2) listing the choices."""

    def __init__(self, extra: Sequence[str] = ()) -> None:
        super().__init__((), case_sensitive=True)
        self._extra = tuple(extra)

    @property
    def choices(self) -> Sequence[str]:
        from crossdock import targets
        return (*targets.names(), *self._extra)

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        """click.Choice.__init__ assigns the (empty) tuple it was given: the registry is the source."""
