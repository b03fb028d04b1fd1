"""No message shows a secret value, in any form a message may give it, whatever its length."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.errors import Problem, SpecError, shown
from crossdock.specs.loader import load
from crossdock.specs.secret_sources import HIDDEN, REDACTED, redacted

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\n"

SECRETS = [
    "x", "ab", "a'b", "s3cr3t", "back\\slash", "quo'te\"s", "new\nline", "tab\there", "esc\x1b[2J",
    "c1\x85del\x7f", "unicodé-日本-🔑", "bidi\u202eevil", "zero\u200bwidth", "p" * 60, "w\\x1b" + "q" * 50,
]


def _forms(secret: str) -> list[str]:
    """Every way a message may quote the secret (independent of the code under test)."""
    return [secret, shown(secret), repr(secret), repr(secret)[1:-1], json.dumps(secret), json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False), f"'{secret}'", secret.replace("'", "''")]


def _displayable(secret: str) -> list[str]:
    """The forms to redact: all of them, or for a secret of 3 characters or fewer the quoted
    ones (its bare form would match ordinary words: test_redacted_short_secret_only_where_quoted)."""
    return [f for f in _forms(secret) if len(secret) > 3 or f.startswith(("'", '"'))]


@pytest.mark.parametrize(("secret", "shown_as"), [(s, f) for s in SECRETS for f in _displayable(s)])
def test_redacted_every_quoted_form(secret: str, shown_as: str) -> None:
    p = Problem("services.web.image", f"expected an image, got {shown_as} here", hint=f"not {shown_as}")
    (out,) = redacted([p], [secret])
    for text in (str(out), out.message, out.hint or ""):
        assert REDACTED in text
        assert shown_as not in text.replace(REDACTED, "")
    assert str(out).startswith("services.web.image: expected an image, got ")


@pytest.mark.parametrize("secret", ["a", "ab", "abc"])
def test_redacted_short_secret_only_where_quoted(secret: str) -> None:
    # Replacing every "a" would cut the message's own words: only the quoted value goes.
    p = Problem("x", f"a value abc: got '{secret}' and \"{secret}\"")
    (out,) = redacted([p], [secret])
    assert out.message == f"a value abc: got {REDACTED} and {REDACTED}"


def test_redacted_long_secret_shown_shortened_by_describe() -> None:
    secret = "T" * 30 + "-tail-" + "U" * 30
    p = Problem("x", f"got {secret[:37]!r}...")  # as types.describe shows a long string
    (out,) = redacted([p], [secret])
    assert secret[:20] not in str(out)


def test_redacted_keeps_messages_without_secrets() -> None:
    p = Problem("a.b", "expected an integer, got 'x'", hint="h")
    assert redacted([p], ["unrelated-secret"]) == [p]


# ---- through the loader and the CLI -----------------------------------------------------------

@pytest.mark.parametrize("secret", SECRETS)
def test_loader_classified_variable_value_never_shown_in_field_error(tmp_path: Path, secret: str) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + "services:\n  web:\n    image: nginx\n    replicas: ${DB_PASSWORD}\n")
    with pytest.raises(SpecError) as info:
        load(str(spec), environ={"DB_PASSWORD": secret})
    text = str(info.value)
    assert f"services.web.replicas: expected an integer 0-10000, got {HIDDEN}" in text
    for form in _displayable(secret):
        assert form not in text, form


@pytest.mark.parametrize("secret", ["k", "pw", "a'b", "x\\y\nz\t\x1b", "🔑🔑🔑🔑"])
def test_cli_secret_source_in_plain_field_never_printed(tmp_path: Path, secret: str) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + "secrets: {tok: {from_env: TOKEN}}\n"
                    "services:\n  web:\n    image: \"nginx:${TOKEN}\"\n    replicas: ${TOKEN}\n"
                    "    env: {PORT: \"${TOKEN}\"}\n")
    proc = subprocess.run([sys.executable, "-m", "crossdock", "render", str(spec), "-t", "all"],
                          env={"TOKEN": secret, "PATH": "/usr/bin:/bin", **_pythonpath()},
                          capture_output=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert proc.stdout == b""
    assert "secrets.tok.from_env" in err
    for form in _displayable(secret):
        assert form.encode() not in proc.stderr, form


def _pythonpath() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME")}


@pytest.mark.parametrize(("name", "value"), [
    ("DATABASE_URL", "postgres://app:Pl4nt3dPw@db:5432/app"),  # by value: a URL with a password
    ("NOTIFY", "https://hooks.slack.com/services/Pl4nt3dT/B0A1B2C3D/x"),  # a webhook URL
    ("GH", "ghp_Pl4nt3d" + "x" * 29),  # a token's prefix
])
def test_redacted_variable_the_classifier_calls_secret(tmp_path: Path, name: str, value: str) -> None:
    """The spec side asks the importers' classifier (specs/classify.py): a variable whose value or
    name it calls secret is never shown when it lands in a field that fails validation."""
    spec = tmp_path / "app.yaml"
    spec.write_text(HEAD + f"services:\n  web:\n    image: nginx:1.27\n    replicas: ${{{name}}}\n", encoding="utf-8")
    with pytest.raises(SpecError) as e:
        load(str(spec), set_vars={name: value}, environ={})
    assert "Pl4nt3d" not in str(e.value)
    assert "services.web.replicas" in str(e.value)
