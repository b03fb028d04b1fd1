"""Random compose projects built from a table of ordinary and awkward values (ranges, bad units,
unknown services, secrets in env, conflicting ports...): the import either refuses the project
with a crossdock error (exit 2 in the CLI) or writes a spec that loads. Never an exception of
another kind, never a spec that does not load. Seeded, so a failure replays."""

from __future__ import annotations

import random

import pytest
import yaml

from crossdock.errors import CrossdockError, SpecError
from crossdock.translators.importers import base

VALUES: dict[str, list[str]] = {
    "image": ["nginx:1", "${IMG:-x}", "a b", "", "x:${T}"],
    "command": ["echo hi", "[a, b]", "[]", "'unbalanced \"q'", "$$HOME"],
    "entrypoint": ["sh -c", "[]", "['/bin/x']"],
    "environment": ["{A: 1, B: yes, C: ~}", "[A=1, B, 'C=x=y']", "{DB_PASSWORD: x, TOKEN: '${T}', K_FILE: /run/x}",
                    "{'bad-name': 1}", "{A: '${X:+y}'}"],
    "ports": ["['80']", "['8080:80', '8080:81']", "['1-3:1-3']", "[{target: 80, published: 80, name: Http}]",
              "['x:y']", "[{target: 0}]", "['127.0.0.1::80']", "['80/sctp']", "['65536']"],
    "expose": ["['80', 81]", "['1-200']"],
    "volumes": ["['d:/d']", "['/a']", "['./f:/f:ro']", "['../x:/x']", "[{type: bind, source: /etc, target: /etc}]",
                "[{type: volume, target: rel}]", "['d:/d', 'e:/d']", "[{type: npipe, source: x, target: /x}]"],
    "tmpfs": ["/t", "['/t:size=abc']", "['/t:size=1g,mode=1777']"],
    "healthcheck": ["{test: 'true'}", "{test: [CMD-SHELL]}", "{test: [NONE]}",
                    "{test: [CMD, x], interval: 1.5s, timeout: 0s, retries: 0}", "{test: [CMD, x], interval: abc}",
                    "{test: [FOO]}"],
    "depends_on": ["[other]", "{other: {condition: service_healthy}}", "[missing]", "[web]"],
    "deploy": ["{replicas: 0}", "{mode: global}", "{mode: replicated-job, replicas: 3}",
               "{resources: {limits: {cpus: 'x', memory: '1q'}}}",
               "{update_config: {parallelism: 0, order: start-first, delay: 'x'}}",
               "{placement: {constraints: ['node.labels.a==b', 'node.id!=x'], preferences: [{spread: foo}]}}",
               "{restart_policy: {condition: none, max_attempts: 0}}",
               "{labels: {'Bad Key': v, good: 'bad value!'}}"],
    "labels": ["{a: b}", "[a=b, c]", "{'x/y/z': 1}"],
    "restart": ["always", "no", "on-failure:3", "bogus"],
    "configs": ["[c]", "[{source: c, target: /x, mode: '0644'}]", "[nope]"],
    "secrets": ["[s]", "[{source: s, target: rel}]", "[s, s]"],
    "profiles": ["[a]"],
    "build": [".", "{context: .}"],
}


@pytest.mark.parametrize("seed", range(4))
def test_compose_random_projects_import_or_refuse_cleanly(seed: int) -> None:
    rnd = random.Random(seed)
    failures: dict[str, str] = {}
    for _ in range(250):
        web = {k: yaml.safe_load(rnd.choice(VALUES[k])) for k in rnd.sample(sorted(VALUES), rnd.randint(1, 8))}
        doc = {"services": {"web": web, "other": {"image": "o"}}, "configs": {"c": {"content": "x"}},
               "secrets": {"s": {"environment": "S"}}, "volumes": {"d": {}}}
        text = yaml.safe_dump(doc)
        sources = base.MemorySources({"p/compose.yml": text, "p/f": "F"})
        try:
            result = base.get_importer("compose").import_files(["p/compose.yml"], sources, name="t", environ={})
        except CrossdockError:
            continue
        try:
            base.check_spec(base.write_spec(result))
        except SpecError as e:
            failures.setdefault(str(e).splitlines()[0].split(": ", 1)[-1], text)
    assert not failures, "\n".join(f"{k}\n{v}" for k, v in failures.items())
