"""Cross-spec checks at sizes and in states the broken corpus does not reach: long dependency
chains, and workloads that failed field validation still taking part."""

from __future__ import annotations

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load

HEAD = "apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\nservices:\n"
# Far beyond Python's default recursion limit (1,000), so a recursive walk cannot pass.
CHAIN = 1_000


def _chain(n: int, *, closed: bool) -> str:
    lines = [HEAD]
    for i in range(n):
        dep = f"s{i + 1}" if i + 1 < n else ("s0" if closed else None)
        lines.append(f"  s{i}:\n    image: x\n" + (f"    depends_on: [{dep}]\n" if dep else ""))
    return "".join(lines)


def test_dependencies_chain_of_1000_services_loads() -> None:
    spec = load("app.yaml", text=_chain(CHAIN, closed=False), environ={})
    assert spec.app.services["s0"].depends_on == ["s1"]
    assert len(spec.app.services) == CHAIN


def test_dependencies_cycle_of_1000_services_is_one_problem() -> None:
    with pytest.raises(SpecError) as info:
        load("app.yaml", text=_chain(CHAIN, closed=True), environ={})
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    # The walk starts at the smallest name (s0) and closes the cycle at the edge back to it.
    assert p.path == f"services.s{CHAIN - 1}.depends_on[0]"
    names = p.message.removeprefix("depends_on cycle: ").split(" -> ")
    assert names[0] == names[-1] == "s0" and len(names) == CHAIN + 1
    assert names[1:4] == ["s1", "s2", "s3"]
    # HEAD is 5 lines and each service 3, its depends_on the last: s999's is line 5 + 3 * 1000.
    assert p.location is not None and p.location.line == 5 + 3 * CHAIN


@pytest.mark.parametrize(("broken", "section"), [
    ("    replicas: many\n", "services"),
    ("    ports: [{name: http, port: eighty}]\n", "services"),
    ("    imgae: x\n", "services"),
])
def test_dependencies_cycle_through_workload_with_field_error(broken: str, section: str) -> None:
    text = HEAD + "  web:\n    image: x\n" + broken + "    depends_on: [api]\n  api:\n    image: x\n    depends_on: [web]\n"
    with pytest.raises(SpecError) as info:
        load("app.yaml", text=text, environ={})
    paths = [p.path for p in info.value.problems]
    messages = [p.message for p in info.value.problems]
    assert "depends_on cycle: api -> web -> api" in messages, messages
    assert any(path.startswith(f"{section}.web.") for path in paths if "depends_on" not in path), paths


def test_references_of_workload_with_field_error_are_checked() -> None:
    text = HEAD + ("  web:\n    image: x\n    replicas: many\n    depends_on: [nope, web]\n"
                   "    secrets: [{secret: missing, env: X}, 3]\n    volumes: [{volume: gone, path: /d}]\n")
    with pytest.raises(SpecError) as info:
        load("app.yaml", text=text, environ={})
    got = sorted((p.path, p.message) for p in info.value.problems)
    assert got == [
        ("services.web.depends_on[0]", "unknown service or job 'nope'"),
        ("services.web.depends_on[1]", "'web' depends on itself"),
        ("services.web.replicas", "expected an integer 0-10000, got 'many'"),
        ("services.web.secrets[0].secret", "unknown secret 'missing'"),
        ("services.web.secrets[1]", "expected a mapping, got 3"),
        ("services.web.volumes[0].volume", "unknown volume 'gone'"),
    ]


def test_references_to_workload_with_field_error_are_not_unknown() -> None:
    text = HEAD + "  web:\n    image: x\n    replicas: many\n  api:\n    image: x\n    depends_on: [web]\n"
    with pytest.raises(SpecError) as info:
        load("app.yaml", text=text, environ={})
    assert [p.path for p in info.value.problems] == ["services.web.replicas"]
