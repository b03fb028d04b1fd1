"""The compiled-template cache (translators/render.py): a stale or damaged entry never changes
what a template renders."""

from __future__ import annotations

from typing import Any


def test_bytecode_cache_recompiles_edited_and_damaged_templates(tmp_path: Any) -> None:
    import subprocess
    import sys

    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    template = package / "templates" / "t.j2"
    code = ("import sys\nfrom crossdock.translators import render\n"
            f"render.use_bytecode_cache({str(tmp_path / 'cache')!r})\n"
            f"sys.stdout.write(render.render({str(package)!r}, 't.j2', x='a b'))\n")

    def run() -> str:  # a new process each time, as the CLI runs
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    template.write_text("one {{ x | yaml }}\n")
    assert run() == 'one "a b"\n'
    assert run() == 'one "a b"\n'
    [cached] = list((tmp_path / "cache").glob("templates-*/*.cache"))
    template.write_text("two {{ x | yaml }}\n")
    assert run() == 'two "a b"\n'
    cached.write_bytes(cached.read_bytes()[:40])
    assert run() == 'two "a b"\n'
    cached.write_bytes(b"garbage")
    assert run() == 'two "a b"\n'
