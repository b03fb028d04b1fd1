"""translators/importers/base.py: losses, sources, the spec writer and its check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crossdock.errors import InputError, SpecError
from crossdock.translators.importers import base
from crossdock.translators.importers.base import FileSources, ImportResult, Loss, MemorySources
from roundtrip import differences


def _doc(**services: Any) -> dict[str, Any]:
    return {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, "services": services}


def test_loss_str_names_place_path_and_kind() -> None:
    assert str(Loss("c.yml", 3, 5, "services.web.build", "image builds are not imported")) == \
        "c.yml:3:5: services.web.build: image builds are not imported"
    assert str(Loss("c.yml", 0, 0, "networks.front", "one network", "changed")) == \
        "c.yml: networks.front: changed: one network"


def test_loss_orders_by_file_then_line() -> None:
    a, b, c = Loss("a", 9, 1, "x", "m"), Loss("b", 1, 1, "x", "m"), Loss("a", 10, 1, "x", "m")
    assert sorted([b, c, a]) == [a, c, b]


def test_memory_sources_files_and_implied_folders() -> None:
    src = MemorySources({"app/compose.yml": "a", "app/sub/x.yaml": "b", "top.yaml": "c"})
    assert src.read("app/compose.yml") == "a"
    assert src.read("./app/../app/compose.yml") == "a"
    assert src.is_dir("app") and src.is_dir("app/sub") and not src.is_dir("top.yaml")
    assert src.list_dir("app") == ["app/compose.yml", "app/sub"]
    assert src.exists("app/sub") and src.exists("top.yaml") and not src.exists("nope")
    with pytest.raises(InputError, match="nope.yml: cannot read: no such file"):
        src.read("nope.yml")
    with pytest.raises(InputError, match="app: cannot read: it is a folder"):
        src.read("app")


def test_file_sources_read_list_and_refuse(tmp_path: Path) -> None:
    (tmp_path / "b.yml").write_text("b")
    (tmp_path / "a.yml").write_text("a")
    (tmp_path / "big.yml").write_bytes(b"#" * (base.MAX_SOURCE_BYTES + 1))
    (tmp_path / "latin1.yml").write_bytes(b"a: 1\nb: \xe9\n")
    src = FileSources()
    assert src.read(str(tmp_path / "a.yml")) == "a"
    assert src.list_dir(str(tmp_path))[:2] == [str(tmp_path / "a.yml"), str(tmp_path / "b.yml")]
    with pytest.raises(InputError, match="larger than 4 MiB"):
        src.read(str(tmp_path / "big.yml"))
    with pytest.raises(InputError, match=r"latin1.yml:2:4: file is not valid UTF-8"):
        src.read(str(tmp_path / "latin1.yml"))
    with pytest.raises(InputError, match="cannot read: No such file"):
        src.read(str(tmp_path / "missing.yml"))


def test_get_importer_unknown_name() -> None:
    with pytest.raises(InputError, match="--from helm: expected one of compose, kubernetes, nomad"):
        base.get_importer("helm")


def test_write_spec_orders_keys_as_the_model() -> None:
    doc = _doc(web={"ports": [{"port": 80, "name": "http"}], "env": {"B": "2", "A": "1"}, "image": "nginx:1"})
    doc = {"services": doc.pop("services"), **doc}  # services first: the writer must reorder
    text = base.write_spec(ImportResult(doc))
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == ["apiVersion: crossdock/v1", "kind: App", "metadata:", "  name: t", "services:", "  web:",
                    "    image: nginx:1", "    env:", '      B: "2"', '      A: "1"', "    ports:",
                    "      - name: http", "        port: 80"]


def test_write_spec_header_and_comments() -> None:
    result = ImportResult(_doc(web={"image": "x"}), losses=[Loss("c.yml", 1, 1, "p", "m")],
                          comments={("services", "web"): "from c.yml:2", ("metadata",): "two\nlines"},
                          sources=["c.yml", ".env"])
    lines = base.write_spec(result).splitlines()
    assert lines[0] == "# yaml-language-server: $schema=crossdock.schema.json"
    assert "# Imported by `crossdock import` from c.yml, .env." in lines
    assert lines[lines.index("metadata:") - 2:lines.index("metadata:")] == ["# two", "# lines"]
    assert lines[lines.index("  web:") - 1] == "  # from c.yml:2"


@pytest.mark.parametrize("value", [
    "yes", "no", "on", "~", "null", "0755", "1e3", "0x1F", "12:30", "- a", "a: b", "a #b", "#x", "*x", "&x",
    "!x", "", " lead", "trail ", "${X}", "$${X}", "{a}", "[a]", "'q'", '"q"', "%x", "@x", "`x`", "a\tb",
    "multi\nline\n", "  indented\nblock", "\n\nleading blank", "trailing\n\n\n", "no newline\nend", "x\r\ny",
    "\x85nel", "tab\n\tstart", "ünïcödé", "a|b", "1.0", ".5", "true", "False", "=",
])
def test_write_spec_scalars_read_back_unchanged(value: str) -> None:
    doc = _doc(web={"image": "x", "env": {"V": value}, "command": [value]})
    data = yaml.safe_load(base.write_spec(ImportResult(doc)))
    assert data["services"]["web"]["env"]["V"] == value
    assert data["services"]["web"]["command"] == [value]


def test_write_spec_multiline_content_is_a_block() -> None:
    doc = _doc(web={"image": "x", "files": [{"path": "/etc/a.conf", "content": "a = 1\nb = 2\n"}]})
    text = base.write_spec(ImportResult(doc))
    assert "        content: |\n          a = 1\n          b = 2\n" in text


def test_check_spec_loads_written_spec_with_placeholders() -> None:
    doc = _doc(web={"image": "x", "secrets": [{"secret": "pw", "env": "PW"}, {"secret": "cert", "path": "/c"}]})
    doc["secrets"] = {"pw": {"from_env": "DB_PASSWORD"}, "cert": {"from_file": "../certs/tls.crt"}}
    loaded = base.check_spec(base.write_spec(ImportResult(doc)))
    assert loaded.app.secrets["pw"].from_env == "DB_PASSWORD"
    assert [s.secret for s in loaded.app.services["web"].secrets] == ["pw", "cert"]


def test_check_spec_raises_on_invalid_spec() -> None:
    with pytest.raises(SpecError, match="services.web.replicas"):
        base.check_spec(base.write_spec(ImportResult(_doc(web={"image": "x", "replicas": "many"}))))


def test_detect_refuses_unclaimed_files() -> None:
    src = MemorySources({"notes.yaml": "just: data\n"})
    with pytest.raises(InputError, match="cannot tell whether .* --from"):
        base.detect(["notes.yaml"], src)


def test_detect_missing_path() -> None:
    with pytest.raises(InputError, match="missing.yml: no such file or folder"):
        base.detect(["missing.yml"], MemorySources({}))


def test_differences_excludes_warned_paths_for_every_item() -> None:
    a = {"services": {"api": {"secrets": [{"secret": "k", "env": "K", "path": None}], "image": "x"}}}
    b = {"services": {"api": {"secrets": [{"secret": "k", "env": None, "path": None}], "image": "y"}}}
    assert differences(a, b, ["services.api.secrets[0].env"]) == [
        'services.api.image: original "x" != imported "y"']


def test_differences_compares_lists_of_mappings_as_multisets() -> None:
    a = {"ports": [{"n": 1}, {"n": 2}], "init": [{"n": 1}, {"n": 2}]}
    b = {"ports": [{"n": 2}, {"n": 1}], "init": [{"n": 2}, {"n": 1}]}
    assert [d.split(":")[0] for d in differences(a, b, [])] == ["init[0].n", "init[1].n"]


@pytest.mark.parametrize(("files", "expected"), [
    ({"app/docker-compose.yml": "services:\n  web: {image: x}\n"}, "compose"),
    ({"app/stack.yml": "version: '3.8'\nservices:\n  web: {image: x}\n"}, "compose"),
    ({"app/web.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"}, "kubernetes"),
    ({"app/web.nomad.hcl": 'job "web" {\n  group "g" {}\n}\n'}, "nomad"),
])
def test_detect_tells_the_formats_apart(files: dict[str, str], expected: str) -> None:
    assert base.detect(["app"], MemorySources(files)) == expected


def test_detect_refuses_mixed_formats() -> None:
    src = MemorySources({"app/compose.yaml": "services: {}\n",
                         "app/web.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"})
    with pytest.raises(InputError, match="different formats .*compose: app/compose.yaml; kubernetes: app/web.yaml"):
        base.detect(["app"], src)


def test_write_spec_file_modes_in_octal() -> None:
    doc = _doc(web={"image": "x", "files": [{"path": "/a", "content": "x", "mode": 0o440}]})
    text = base.write_spec(ImportResult(doc))
    assert "        mode: 0440\n" in text
    assert base.check_spec(text).app.services["web"].files[0].mode == 0o440


def test_write_spec_puts_escape_hatches_last() -> None:
    doc = {"x-kubernetes": {"patches": []}, "apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "a"},
           "services": {"web": {"x-nomad": {"a": 1}, "image": "i:1", "env": {"A": "b"}}}}
    lines = [line for line in base.write_spec(ImportResult(doc=doc)).splitlines() if not line.startswith("#")]
    top = [line.split(":")[0] for line in lines if line and not line.startswith(" ")]
    assert top == ["apiVersion", "kind", "metadata", "services", "x-kubernetes"]
    web = [line.strip().split(":")[0] for line in lines if line.startswith("    ") and not line.startswith("     ")]
    assert web == ["image", "env", "x-nomad"]


@pytest.mark.parametrize(("name", "expected"), [
    ("PWD", "SECRET_PWD"), ("pwd", "SECRET_pwd"), ("HOME", "SECRET_HOME"), ("PATH", "SECRET_PATH"),
    ("USER", "SECRET_USER"), ("SHELL", "SECRET_SHELL"), ("LC_ALL", "SECRET_LC_ALL"), ("_", "SECRET"),
    ("BASH_VERSION", "SECRET_BASH_VERSION"), ("IFS", "SECRET_IFS"),
    ("DB_PASSWORD", "DB_PASSWORD"), ("PWD_FILE", "PWD_FILE"), ("USER_PASSWORD", "USER_PASSWORD"),
    ("HOMEPAGE_TOKEN", "HOMEPAGE_TOKEN"), ("SECRET_PWD", "SECRET_PWD"),
])
def test_safe_env_source_prefixes_only_shell_set_names(name: str, expected: str) -> None:
    assert base.safe_env_source(name) == expected


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_safe_env_source_covers_what_a_real_shell_sets(shell: str) -> None:
    # Independent of the list: whatever a real shell started with an almost empty environment
    # exports is a name no secret may be read from.
    if shutil.which(shell) is None:
        pytest.fail(f"{shell} is not installed")
    out = subprocess.run([shell, "-c", "env"], env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
                         capture_output=True, text=True, check=True).stdout
    names = {line.split("=", 1)[0] for line in out.splitlines() if "=" in line}
    assert {"PWD", "PATH", "HOME"} <= names
    for name in names:
        assert base.safe_env_source(name) != name, name
