"""The loader's pieces that the broken corpus does not pin down: variables, overlays, locations,
reporting every problem at once, and secrets that never show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crossdock.errors import SpecError
from crossdock.specs import variables
from crossdock.specs.loader import LoadedSpec, SecretValue, load

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\n"


def _load(text: str, **kw: Any) -> LoadedSpec:
    kw.setdefault("environ", {})
    return load("app.yaml", text=text, **kw)


def _problems(text: str, **kw: Any) -> list[str]:
    with pytest.raises(SpecError) as info:
        _load(text, **kw)
    return [str(p) for p in info.value.problems]


# ---- variables -------------------------------------------------------------------------------

PRECEDENCE_SPEC = HEAD + "variables:\n  WHO: spec\nservices:\n  web:\n    image: nginx\n    env:\n      WHO: ${WHO}\n"


@pytest.mark.parametrize(("set_vars", "environ", "expected"), [
    ({}, {}, "spec"),
    ({}, {"WHO": "environment"}, "environment"),
    ({"WHO": "flag"}, {"WHO": "environment"}, "flag"),
    ({"WHO": "flag"}, {}, "flag"),
    ({}, {"WHO": ""}, ""),  # set but empty still wins over variables:
])
def test_variables_precedence_set_then_environment_then_spec(set_vars: dict[str, str], environ: dict[str, str],
                                                              expected: str) -> None:
    spec = _load(PRECEDENCE_SPEC, set_vars=set_vars, environ=environ)
    assert spec.app.services["web"].env["WHO"] == expected


@pytest.mark.parametrize(("text", "values", "expected"), [
    ("${X:-d}", {}, "d"),
    ("${X:-d}", {"X": ""}, "d"),
    ("${X:-d}", {"X": "v"}, "v"),
    ("${X-d}", {}, "d"),
    ("${X-d}", {"X": ""}, ""),
    ("${X-d}", {"X": "v"}, "v"),
    ("${X:-}", {}, ""),
    ("${X:-a b:c}", {}, "a b:c"),
    ("pre-${X}-post", {"X": "mid"}, "pre-mid-post"),
])
def test_variables_default_operators(text: str, values: dict[str, str], expected: str) -> None:
    assert variables.substitute(text, values.get) == (expected, [])


@pytest.mark.parametrize(("text", "expected"), [
    ("$$", "$"),
    ("$${X}", "${X}"),
    ("$$$${X}", "$${X}"),
    ("$$${X}", "$v"),
    ("price: 5$", "price: 5$"),
    ("$HOME and $1", "$HOME and $1"),
])
def test_variables_dollar_escape(text: str, expected: str) -> None:
    assert variables.substitute(text, {"X": "v"}.get) == (expected, [])


@pytest.mark.parametrize(("text", "message"), [
    ("${X}", "variable 'X' is not set"),
    ("${", "'${' is not followed by a variable name and '}'"),
    ("${1X}", "'${' is not followed by a variable name and '}'"),
    ("${X:?required}", "'${' is not followed by a variable name and '}'"),
])
def test_variables_substitute_problems(text: str, message: str) -> None:
    _, problems = variables.substitute(text, {}.get)
    assert [m for m, _hint in problems] == [message]


@pytest.mark.parametrize(("line", "value", "expected"), [
    ("    replicas: ${V}\n", "3", 3),
    ("    replicas: ${V:-2}\n", "", 2),
    ("    ports:\n      - name: http\n        port: ${V}\n        publish: ${V2}\n", "8080", 8080),
])
def test_variables_plain_scalars_are_retyped(line: str, value: str, expected: int) -> None:
    spec = _load(HEAD + "services:\n  web:\n    image: nginx\n" + line, environ={"V": value, "V2": "true"})
    web = spec.app.services["web"]
    got = web.replicas if "replicas" in line else web.ports[0].port
    assert got == expected
    if "publish" in line:
        assert web.ports[0].publish is True


@pytest.mark.parametrize(("line", "value", "get", "expected"), [
    # A number field: quoted or not, a whole reference is typed (the JSON Schema cannot see quotes).
    ('    replicas: "${V}"\n', "3", lambda w: w.replicas, 3),
    ("    replicas: '${V}'\n", "3", lambda w: w.replicas, 3),
    ('    update: {auto_rollback: "${V}"}\n', "true", lambda w: w.update.auto_rollback, True),
    # A string field keeps the text: written out, `VERSION: 1.10` would be the float 1.1.
    ("    env:\n      VERSION: ${V}\n", "1.10", lambda w: w.env["VERSION"], "1.10"),
    ("    env:\n      ZIP: ${V}\n", "007", lambda w: w.env["ZIP"], "007"),
    ("    command:\n      - ${V}\n", "true", lambda w: w.command, ["true"]),
    # x- blocks are free-form: typed as YAML would type the text, unless quoted.
    ("    x-kubernetes:\n      n: ${V}\n", "3", lambda w: w.extension("kubernetes"), {"n": 3}),
    ('    x-kubernetes: {n: "${V}"}\n', "3", lambda w: w.extension("kubernetes"), {"n": "3"}),
])
def test_variables_whole_reference_takes_its_fields_type(line: str, value: str, get: Any, expected: Any) -> None:
    spec = _load(HEAD + "services:\n  web:\n    image: nginx\n" + line, environ={"V": value})
    got = get(spec.app.services["web"])
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(("line", "environ", "problem"), [
    # Only a value that is exactly one reference is typed: `1${V}` stays the text '10'.
    ("    replicas: 1${V}\n", {"V": "0"}, "app.yaml:8:15: services.web.replicas: expected an integer 0-10000, got '10'"),
    ("    replicas: ${V}\n", {"V": "many"}, "app.yaml:8:15: services.web.replicas: expected an integer 0-10000, got 'many'"),
    ("    replicas: ${V:-1.5}\n", {}, "app.yaml:8:15: services.web.replicas: expected an integer 0-10000, got 1.5"),
])
def test_variables_reference_in_number_field_checked_after_substitution(line: str, environ: dict[str, str],
                                                                        problem: str) -> None:
    got = _problems(HEAD + "services:\n  web:\n    image: nginx\n" + line, environ=environ)
    assert len(got) == 1 and got[0].startswith(problem), got


@pytest.mark.parametrize(("line", "environ", "expected"), [
    ('    env: {VERSION: "${V}"}\n', {"V": "1.10"}, "1.10"),
    ("    env:\n      PORT: ${V}\n", {"V": "8080"}, "8080"),
    ("    env:\n      EMPTY: ${V}\n", {"V": ""}, ""),
    ("    env:\n      TILDE: ${V}\n", {"V": "~"}, "~"),
    ("    env:\n      WORD: ${V}\n", {"V": "yes please"}, "yes please"),
    ("    env:\n      DOLLAR: $${V}\n", {"V": "x"}, "${V}"),
])
def test_variables_env_values_keep_their_text(line: str, environ: dict[str, str], expected: str) -> None:
    spec = _load(HEAD + "services:\n  web:\n    image: nginx\n" + line, environ=environ)
    assert list(spec.app.services["web"].env.values()) == [expected]


def test_variables_section_itself_is_not_expanded() -> None:
    spec = _load(HEAD + "variables:\n  A: ${B}\n  B: b\nservices:\n  web:\n    image: nginx\n    env:\n      A: ${A}\n")
    assert spec.app.variables["A"] == "${B}"
    assert spec.app.services["web"].env["A"] == "${B}"


# ---- overlays --------------------------------------------------------------------------------

BASE = HEAD + """\
services:
  web:
    image: nginx:1.26
    replicas: 2
    env: {A: base-a, B: base-b}
    ports:
      - {name: http, port: 80}
      - {name: admin, port: 8081}
  api:
    image: api:1
"""


def _with_env(overlay: str) -> str:
    return BASE + "environments:\n  prod:\n" + "".join(f"    {line}\n" for line in overlay.splitlines())


@pytest.mark.parametrize(("overlay", "check"), [
    ("services:\n  web:\n    image: nginx:1.27",
     lambda app: (app.services["web"].image, app.services["web"].replicas) == ("nginx:1.27", 2)),
    ("services:\n  web:\n    env: {B: prod-b, C: prod-c}",
     lambda app: app.services["web"].env == {"A": "base-a", "B": "prod-b", "C": "prod-c"}),
    ("services:\n  web:\n    env: {A: null}",
     lambda app: app.services["web"].env == {"B": "base-b"}),
    ("services:\n  web:\n    replicas: null\n    autoscale: {min: 2, max: 4}",
     lambda app: app.services["web"].replicas is None and app.services["web"].autoscale.max == 4),
    ("services:\n  api: null",
     lambda app: sorted(app.services) == ["web"]),
    ("services:\n  web:\n    ports:\n      - {name: https, port: 443}",
     lambda app: [p.name for p in app.services["web"].ports] == ["https"]),
    ("services:\n  web:\n    ports: []",
     lambda app: app.services["web"].ports == []),
])
def test_overlay_merge_rules(overlay: str, check: Any) -> None:
    spec = _load(_with_env(overlay), env="prod")
    assert check(spec.app)


def test_overlay_not_applied_without_env() -> None:
    spec = _load(_with_env("services:\n  web:\n    replicas: 9"))
    assert spec.app.services["web"].replicas == 2


@pytest.mark.parametrize(("env", "files", "expected"), [
    (None, [], 2),
    ("prod", [], 5),
    (None, ["one.yaml"], 7),
    ("prod", ["one.yaml"], 7),  # the environment first, then the overlay file
    ("prod", ["one.yaml", "two.yaml"], 8),  # overlay files in the order given
    ("prod", ["two.yaml", "one.yaml"], 7),
])
def test_overlay_env_then_files_in_order(env: str | None, files: list[str], expected: int, tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(_with_env("services:\n  web:\n    replicas: 5"))
    (tmp_path / "one.yaml").write_text("services:\n  web:\n    replicas: 7\n")
    (tmp_path / "two.yaml").write_text("services:\n  web:\n    replicas: 8\n")
    spec = load(str(tmp_path / "app.yaml"), env=env, overlays=[str(tmp_path / f) for f in files], environ={})
    assert spec.app.services["web"].replicas == expected


def test_overlay_locations_point_into_the_overlay(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text(_with_env("services:\n  web:\n    replicas: lots"))
    over = tmp_path / "over.yaml"
    over.write_text("# overlay\nservices:\n  web:\n    ports:\n      - {name: http, port: eighty}\n")
    with pytest.raises(SpecError) as info:
        load(str(app), env="prod", overlays=[str(over)], environ={})
    got = sorted((p.path, p.location.file, p.location.line, p.location.column)
                 for p in info.value.problems if p.location)
    assert got == [
        ("services.web.ports[0].port", str(over), 5, 28),
        ("services.web.replicas", str(app), 19, 19),
    ]


def test_overlay_untouched_values_keep_their_base_location() -> None:
    text = _with_env("services:\n  web:\n    replicas: 3") + "x-unknown: 1\n"
    problems = _problems(text.replace("image: api:1", "image: [api]"), env="prod")
    assert problems[0].startswith("app.yaml:14:12: services.api.image: expected a string, got a list")
    assert problems[1].startswith("app.yaml:20:1: x-unknown: unknown field 'x-unknown'")


# ---- all problems at once --------------------------------------------------------------------

FIVE_PROBLEMS = HEAD + """\
services:
  Web:
    image: nginx
  api:
    image: nginx
    replicas: many
    ports:
      - {name: http, port: 80, protocol: sctp}
    restart: sometimes
jobs:
  migrate:
    imge: migrate:1
"""


def test_load_reports_every_problem_in_one_run() -> None:
    got = _problems(FIVE_PROBLEMS)
    assert sorted((p.split(": ")[0:2] for p in got), key=lambda w: [int(n) for n in w[0].split(":")[1:]]) == [
        ["app.yaml:6:3", "services.Web"],
        ["app.yaml:10:15", "services.api.replicas"],
        ["app.yaml:12:42", "services.api.ports[0].protocol"],
        ["app.yaml:13:14", "services.api.restart"],
        ["app.yaml:16:5", "jobs.migrate.imge"],
    ]


def test_load_error_text_counts_problems() -> None:
    with pytest.raises(SpecError) as info:
        _load(FIVE_PROBLEMS)
    assert str(info.value).splitlines()[-1] == "5 problems found"
    assert info.value.exit_code == 2


# ---- secrets ---------------------------------------------------------------------------------

MARKER = "S3CR3T-d0-not-print-7f1c"


def test_secretvalue_str_and_repr_hide_the_value() -> None:
    value = SecretValue(MARKER)
    shown = [str(value), repr(value), f"{value}", f"{value!r}", str([value]), str({"k": value})]
    assert all(MARKER not in s for s in shown), shown
    assert value.reveal() == MARKER


SECRET_SPEC = HEAD + """\
secrets:
  token: {from_env: TOKEN}
  key: {from_file: key.txt}
services:
  web:
    image: nginx
    secrets:
      - {secret: token, env: TOKEN}
      - {secret: key, path: /run/key}
"""


@pytest.mark.parametrize("broken", [
    "",  # valid: the secrets are read
    "    depends_on: [nothing]\n",  # fails in the cross checks, after the secrets are read
    "    replicas: many\n",  # fails in the schema, before
    "    health:\n      liveness: {tcp: {port: nope}}\n",
    "    env: {TOKEN: plain}\n",  # the env var a secret is delivered into
])
def test_secretvalue_never_in_errors_or_results(broken: str, tmp_path: Path) -> None:
    (tmp_path / "key.txt").write_text(MARKER + "-file")
    (tmp_path / "app.yaml").write_text(SECRET_SPEC + broken)
    environ = {"TOKEN": MARKER + "-env"}
    try:
        spec = load(str(tmp_path / "app.yaml"), environ=environ)
    except SpecError as e:
        assert not broken or e.problems
        texts = [str(e), repr(e), *(repr(p) for p in e.problems)]
        assert all(MARKER not in t for t in texts), texts
        return
    assert not broken, "the broken spec loaded"
    assert spec.secret_values["token"].reveal() == MARKER + "-env"
    assert spec.secret_values["key"].reveal() == MARKER + "-file"
    assert MARKER not in repr(spec) and MARKER not in str(spec.secret_values)


# ---- YAML reading ----------------------------------------------------------------------------

def test_yamlsrc_tab_inside_block_scalar_is_content() -> None:
    spec = _load(HEAD + "services:\n  web:\n    image: nginx\n    files:\n      - path: /Makefile\n"
                 "        content: |\n          all:\n          \techo hi\n")
    assert spec.app.services["web"].files[0].content == "all:\n\techo hi\n"


def test_yamlsrc_aliases_expand_in_place() -> None:
    spec = _load(HEAD + "x-kubernetes:\n  a: &a [1, {b: 2}]\n  c: [*a, *a]\nservices:\n  web:\n    image: nginx\n")
    assert spec.app.extension("kubernetes") == {"a": [1, {"b": 2}], "c": [[1, {"b": 2}], [1, {"b": 2}]]}


def test_yamlsrc_merge_key_fills_a_workload() -> None:
    spec = _load(HEAD + "services:\n  base: &base\n    image: nginx\n    env: {A: a}\n"
                 "  web:\n    <<: *base\n    env: {B: b}\n")
    assert spec.app.services["web"].image == "nginx"
    assert spec.app.services["web"].env == {"B": "b"}


# Scalars whose type YAML 1.1 decides from their text, with neighbours that only look alike.
TRICKY_SCALARS = ["yes", "Yes", "no", "on", "Off", "y", "n", "true", "True", "FALSE", "~", "null", "Null", "",
                  "0755", "0o755", "0x1F", "1e3", "1.0e+3", ".inf", "-.Inf", ".nan", "+12", "-0", "1_000",
                  "12:30:00", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "01:02", "0b101",
                  "1.2.3", "08", "3.", "-a", "yess", "nul", "web", "${X}", "1e", "e3", ".5", "+.5e-3"]


def test_yamlsrc_spec_loader_types_scalars_as_the_stock_resolver() -> None:
    import yaml

    from crossdock.specs import yamlsrc
    lines = []
    for rep in range(2):  # twice: the second time the loader answers from its cache
        lines += [f"p{rep}_{i}: {s}" for i, s in enumerate(TRICKY_SCALARS) if s]
        lines += [f"q{rep}_{i}: '{s}'" for i, s in enumerate(TRICKY_SCALARS)]
        lines += [f"d{rep}: \"08\"", f"e{rep}:", f"b{rep}: |\n  yes"]
    text = "\n".join(lines) + "\n"

    def tags(node: Any) -> dict[str, str]:
        return {k.value: v.tag for k, v in node.value}

    ours = tags(yamlsrc.compose("t.yaml", text)[0])
    assert ours == tags(yaml.compose(text, Loader=yaml.SafeLoader))  # the pure-Python reference
    for rep in range(2):
        plain = {s: ours[f"p{rep}_{i}"] for i, s in enumerate(TRICKY_SCALARS) if s}
        assert plain["yes"] == plain["Off"] == "tag:yaml.org,2002:bool"
        assert plain["0755"] == plain["0x1F"] == plain["1_000"] == plain["12:30:00"] == "tag:yaml.org,2002:int"
        assert plain["1.0e+3"] == plain[".inf"] == plain[".5"] == "tag:yaml.org,2002:float"
        assert plain["1e3"] == plain["web"] == plain["yess"] == plain["08"] == plain["n"] == plain["+.5e-3"] == "tag:yaml.org,2002:str"
        assert plain["~"] == ours[f"e{rep}"] == "tag:yaml.org,2002:null"
        assert plain["2001-12-14"] == "tag:yaml.org,2002:timestamp"
        quoted = {ours[f"q{rep}_{i}"] for i in range(len(TRICKY_SCALARS))} | {ours[f"d{rep}"], ours[f"b{rep}"]}
        assert quoted == {"tag:yaml.org,2002:str"}


def test_yamlsrc_nesting_past_the_composer_guard_is_found_at_its_place() -> None:
    # 300 levels: past the loader's guard on the composer (4 x 64 node levels), so the place
    # comes from the event scan: the 65th level is the 64th '[' (the document's mapping is the
    # first), at column 9 + 63 of line 5.
    problems = _problems(HEAD + "x-deep: " + "[" * 300 + "]" * 300 + "\nservices:\n  web:\n    image: nginx\n")
    assert problems == ["app.yaml:5:72: nesting deeper than 64 levels (a spec is never this deep)"]


def test_loader_secret_value_substituted_into_a_bad_field_is_redacted(tmp_path: Path) -> None:
    marker = "SECRET-MARKER-0123456789-abcdefghijklmnopqrstuvwxyz"
    spec = tmp_path / "app.yaml"
    spec.write_text("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: t}\n"
                    "secrets: {tok: {from_env: TOKEN}}\n"
                    "services:\n  web:\n    image: x\n    replicas: ${TOKEN}\n    env: {A: \"${TOKEN}\"}\n")
    with pytest.raises(SpecError) as info:
        load(str(spec), environ={"TOKEN": marker})
    text = str(info.value)
    assert "services.web.replicas" in text and "secrets.tok.from_env" in text
    assert marker[:10] not in text


SECRETS_SPEC = """apiVersion: crossdock/v1
kind: App
metadata: {name: demo}
secrets:
  token: {from_env: DEMO_TOKEN}
  other: {from_env: DEMO_OTHER}
  ext: {external: true}
services:
  web:
    image: nginx:1.27
    secrets: [{secret: token, env: TOKEN}, {secret: other, env: OTHER}, {secret: ext, env: EXT}]
"""


def test_loader_requires_secret_values_by_default(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(SECRETS_SPEC)
    with pytest.raises(SpecError) as e:
        load(str(spec), environ={"DEMO_OTHER": "v"})
    assert [str(p) for p in e.value.problems] == [
        f"{spec}:5:21: secrets.token.from_env: environment variable DEMO_TOKEN is not set "
        "(set it, or use external: true if the secret is already on the platform)"]


def test_loader_without_required_values_loads_and_says_which_are_missing(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(SECRETS_SPEC)
    loaded = load(str(spec), environ={"DEMO_OTHER": "v"}, require_secret_values=False)
    assert loaded.unavailable_secrets() == ["token"]  # the external one has no value to miss
    assert loaded.secret_values == {"other": SecretValue("v")}
    assert load(str(spec), environ={}, require_secret_values=False).unavailable_secrets() == ["other", "token"]


def test_loader_secret_file_missing_is_required_only_for_values(tmp_path: Path) -> None:
    spec = tmp_path / "app.yaml"
    spec.write_text(SECRETS_SPEC.replace("{from_env: DEMO_OTHER}", "{from_file: other.txt}"))
    with pytest.raises(SpecError, match="other.txt: No such file"):
        load(str(spec), environ={"DEMO_TOKEN": "t"})
    assert load(str(spec), environ={}, require_secret_values=False).unavailable_secrets() == ["other", "token"]
    (tmp_path / "other.txt").write_text("file-value\n")
    loaded = load(str(spec), environ={}, require_secret_values=False)
    assert loaded.secret_values == {"other": SecretValue("file-value\n")}  # read when it is there
