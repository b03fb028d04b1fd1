"""Text reaches the container byte for byte, on the real local platforms (issue 21): env values
and a file's content with characters outside the Basic Multilingual Plane (an emoji, a CJK
extension B ideograph), marks that are invisible or change direction, line and paragraph
separators, quotes, shell, template and YAML look-alikes.

Kubernetes reads an apply patch with a YAML reader, which refused the JSON escapes
(``\\ud83d\\udea2``) the client writes for such characters: the deploy failed with ``yaml:
found invalid Unicode character escape code``.  Each value is read back from inside the running
container (``od`` of the variable as the process sees it, of the file as mounted) and compared
with the UTF-8 bytes of the value the spec holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e_helpers import E2EApp, app_of_param, container_lines
from platforms_fixtures import HTTPD_IMAGE
from crossdock.specs.loader import load
from crossdock.translators.base import get

pytestmark = pytest.mark.platform

WAIT = 90.0
VALUES = {
    "SHIP": "🚢 ship",
    "CJK": "𠀀 and 𪚥 (CJK extension B)",
    "EMOJI_ONLY": "😀",
    "FAMILY": "👨‍👩‍👧 zero-width joiners",
    "MARKS": "e\u0301 combining, \u200f right-to-left mark, \ufeff BOM, \u200b zero width",
    "SEPARATORS": "line\u2028separator, paragraph\u2029separator, next\u0085line",
    "NEWLINES": "first\nsecond\r\nthird\ttabbed",
    "QUOTES": "double \" single ' back ` backslash \\ \\u0041 \\ud83d",
    "SHELL": "$HOME ${X:-y} $(id) `id` $$ %{z} {{ .Values }} #not-a-comment",
    "YAML": "yes",
    "OCTAL": "0755",
    "NULLISH": "~",
    "SPACES": "  leading and trailing  ",
}
FILE = "🚢 ship\n𠀀 ideograph\nno newline at the end: ✓"
# Hex of each variable, one line per name, then of the file: busybox sh and od in the image.
PROBE = "; ".join(f"eval \"printf '%s' \\\"\\${n}\\\"\" | od -An -v -tx1 | tr -d ' \\n'; echo" for n in VALUES) + \
    "; od -An -v -tx1 /etc/text/file.txt | tr -d ' \\n'; echo"


@pytest.fixture(params=["kubernetes", "swarm"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[E2EApp]:
    yield from app_of_param(request, tmp_path)


def quoted(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` as written, except what YAML would read as a
    line break or a byte order mark (escaped), and ``$`` (written ``$$``: the spec interpolates)."""
    out = []
    for ch in text.replace("$", "$$"):
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\x85\u2028\u2029\ufeff" or ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def spec_text(name: str) -> str:
    env = "".join(f"      {k}: {quoted(v)}\n" for k, v in VALUES.items())
    return (f"apiVersion: crossdock/v1\nkind: App\nmetadata: {{name: {name}}}\nservices:\n  web:\n"
            f"    image: {HTTPD_IMAGE}\n    stop_grace_period: 1s\n    env:\n{env}"
            f"    files:\n      - {{path: /etc/text/file.txt, content: {quoted(FILE)}}}\n")


def test_text_outside_the_bmp_reaches_the_container_byte_for_byte(app: E2EApp, kubectl: Any) -> None:
    (app.dir / "app.yaml").write_text(spec_text(app.name), encoding="utf-8")
    spec = load(str(app.dir / "app.yaml"))
    assert {k: v for k, v in spec.app.services["web"].env.items()} == VALUES  # what the spec holds
    app.adapter.deploy(spec, get(app.target).translate(spec))
    app.adapter.wait(app.name, WAIT)

    lines = container_lines(app, kubectl, "web", PROBE)
    expected = [v.encode("utf-8").hex() for v in VALUES.values()] + [FILE.encode("utf-8").hex()]
    got = {name: bytes.fromhex(h).decode("utf-8", errors="replace") for name, h in zip([*VALUES, "file"], lines)}
    assert lines == expected, {n: (got.get(n), v) for n, v in [*VALUES.items(), ("file", FILE)] if got.get(n) != v}

    assert app.adapter.plan(spec, get(app.target).translate(spec)).empty  # and a second deploy writes nothing
    app.adapter.destroy(app.name)
    assert app.leftovers() == {}
