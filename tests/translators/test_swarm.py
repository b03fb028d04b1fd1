"""The Swarm translator: each mapping, each warning, and strings that arrive unchanged.

Stack files are checked with ``docker stack config`` (``checkers.swarm.stack_config``), the
docker CLI's own compose v3 loader, which also performs the ``$`` interpolation that
``docker stack deploy`` does: a value read back from its output is what the container gets.
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkers.swarm import stack_config
from platforms_fixtures import stack_name, swarm, wait_for  # noqa: F401 - fixtures of the platform tests
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle
from crossdock.translators.filters import yaml_scalar
from crossdock.translators.swarm import placement, units
from crossdock.translators.swarm.translator import SwarmTranslator

EXAMPLE = Path(__file__).parents[2] / "examples" / "shop" / "app.yaml"

HOSTILE = [
    "", " ", "  padded  ", "yes", "no", "on", "off", "y", "n", "NO", "true", "null", "~", "0755", "1e3",
    "0x1F", "1.10", "a: b", "# hash", "- dash", "*star", "&amp", "!bang", "? q", "| pipe", "> gt", "@at",
    "`tick`", "%", "{{ tpl }}", "${VAR}", "$${VAR}", "$VAR", "$", "$$", "$$$", "cost $5", "$(cmd)",
    "%{ if x }", "\"double\" 'single'", "back\\slash", "line\nbreak\n", "crlf\r\n", "tab\there",
    "unicode é ☃ 😀 中文", "[a, b]", "{a: b}", "\u0085nel", "\u2028ls", "\ufeffbom", "=", "<<",
]
HOSTILE_PATH = "/tmp/{{ x }} $y ${z} \"q\" {{.Task.Slot}}"


def translate(tmp_path: Path, body: str, files: dict[str, str] | None = None,
              environ: dict[str, str] | None = None) -> Bundle:
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    spec_file = tmp_path / "app.yaml"
    body = textwrap.dedent(body)
    header = "apiVersion: crossdock/v1\nkind: App\n" + ("" if body.startswith("metadata:") else "metadata: {name: t}\n")
    spec_file.write_text(header + body, encoding="utf-8")
    return SwarmTranslator().translate(load(str(spec_file), environ=environ or {}))


def stack_of(bundle: Bundle) -> dict[str, Any]:
    """The stack as ``docker stack deploy`` reads it (interpolated, checked by the CLI)."""
    return stack_config(bundle.files[bundle.primary])


def warnings_of(bundle: Bundle) -> dict[str, str]:
    return {w.path: w.feature for w in bundle.warnings}


_LITERAL_ACTION = re.compile(r'\{\{"((?:[^"\\]|\\.)*)"\}\}')


def task_template(text: str) -> str:
    """What Swarm's task template expansion makes of an env value or mount target, for the
    only actions a literal may contain: string constants (``{{"{{"}}``).  Any other action
    fails, as it would fail the task (or change the value) on a real node."""
    parts = _LITERAL_ACTION.split(text)
    for plain in parts[::2]:
        assert "{{" not in plain, f"a Go template action Swarm would run: {text!r}"
    return "".join(json.loads(f'"{p}"') if i % 2 else p for i, p in enumerate(parts))


def quoted(value: str) -> str:
    """A spec YAML scalar for ``value``, ``$`` doubled for the loader's variables."""
    return yaml_scalar(value.replace("$", "$$"))


# ---- the canonical example ------------------------------------------------------------------

@pytest.fixture(scope="module")
def example() -> tuple[LoadedSpec, Bundle]:
    spec = load(str(EXAMPLE), environ={})
    return spec, SwarmTranslator().translate(spec)


def test_translate_example_passes_docker_stack_config(example: tuple[LoadedSpec, Bundle]) -> None:
    _, bundle = example
    stack = stack_of(bundle)
    assert bundle.primary == "swarm/shop.stack.yml"
    assert stack["version"] == "3.8"
    assert sorted(stack["services"]) == ["api", "api-metrics", "cache", "migrate", "web"]
    assert "nightly-report" not in stack["services"]


def test_translate_example_config_files_carried_exactly(example: tuple[LoadedSpec, Bundle]) -> None:
    spec, bundle = example
    stack = stack_of(bundle)
    refs = {r["target"]: r for r in stack["services"]["web"]["configs"]}
    assert refs["/etc/shop/banner.txt"]["mode"] == 0o444
    assert "mode" not in refs["/etc/shop/web.conf"]  # Swarm's default, 0444
    for target, want in (("/etc/shop/web.conf", spec.file_contents[("services", "web", 0)]),
                         ("/etc/shop/banner.txt", spec.app.services["web"].files[1].content)):
        config = stack["configs"][refs[target]["source"]]
        assert bundle.files["swarm/" + config["file"].removeprefix("./")] == want
        assert config["name"] == f"shop_{refs[target]['source']}-{units.content_hash(str(want))}"


def test_translate_example_secret_env_and_file(example: tuple[LoadedSpec, Bundle]) -> None:
    _, bundle = example
    web = stack_of(bundle)["services"]["web"]
    # db-password is wanted both as DB_PASSWORD and at /run/secrets/db-password: one mount.
    assert web["secrets"] == [{"source": "db-password", "target": "/run/secrets/db-password", "mode": 0o400}]
    assert web["environment"]["DB_PASSWORD_FILE"] == "/run/secrets/db-password"
    assert "DB_PASSWORD" not in web["environment"]
    assert warnings_of(bundle)["services.web.secrets[0].env"] == "secret_env"


# ---- strings arrive unchanged ---------------------------------------------------------------

def test_translate_hostile_strings_round_trip(tmp_path: Path) -> None:
    env = "".join(f"      V{i}: {quoted(v)}\n" for i, v in enumerate(HOSTILE))
    labels = "".join(f"    a{i}: {quoted(v)}\n" for i, v in enumerate(HOSTILE))
    items = ", ".join(quoted(v) for v in HOSTILE)
    bundle = translate(tmp_path, f"""\
metadata:
  name: t
  annotations:
{labels}services:
  web:
    image: registry.example.com/app:1.0
    command: [{items}]
    args: [{items}]
    env:
{env}    health:
      liveness:
        exec: [{items}]
    placement:
      constraints: {{zone: {quoted("eu $x|a b")}}}
""")
    web = stack_of(bundle)["services"]["web"]
    assert web["entrypoint"] == HOSTILE
    assert web["command"] == HOSTILE
    assert web["healthcheck"]["test"] == ["CMD", *HOSTILE]
    assert {k: task_template(v) for k, v in web["environment"].items()} == {f"V{i}": v for i, v in enumerate(HOSTILE)}
    assert {k: v for k, v in web["deploy"]["labels"].items() if not k.startswith("app.")} == \
        {f"a{i}": v for i, v in enumerate(HOSTILE)}
    assert web["deploy"]["placement"]["constraints"] == ["node.labels.zone == eu $x|a b"]


# `docker stack config` prints a value that starts with a line break as a YAML literal block
# without that first line (go-yaml's emitter; docker CLI 28.2.2): "\n a" is printed as " a".
# What is deployed is right (test_platform_hostile_strings_reach_the_container checks such
# values in the container); the checks that read the CLI's output leave them out.
LEADING_NEWLINE = ["\n", "\n\n", "\n lead", "\n\ttab"]


def _printable_by_cli(value: str) -> bool:
    return not value.startswith("\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.sampled_from('{}$"\\\n -:#%') | st.characters(blacklist_categories=("Cs",),
                                                                           blacklist_characters="\x00"),
                        max_size=12).filter(_printable_by_cli),
                min_size=1, max_size=6))
def test_translate_any_env_value_and_path_round_trips(tmp_path: Path, values: list[str]) -> None:
    env = "".join(f"      V{i}: {quoted(v)}\n" for i, v in enumerate(values))
    mounts = "".join(f"      - {{scratch: true, path: {quoted('/' + str(i) + v)}}}\n" for i, v in enumerate(values))
    bundle = translate(tmp_path, f"services:\n  web:\n    image: i\n    env:\n{env}    volumes:\n{mounts}")
    web = stack_of(bundle)["services"]["web"]
    assert {k: task_template(v) for k, v in web["environment"].items()} == {f"V{i}": v for i, v in enumerate(values)}
    assert [task_template(m["target"]) for m in web["volumes"]] == [f"/{i}{v}" for i, v in enumerate(values)]


# ---- health checks --------------------------------------------------------------------------

@pytest.mark.parametrize("check, test, feature", [
    ("http: {path: /healthz?x=$$1, port: http}",
     ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz?x=$1"], "health_http"),
    ("http: {port: 9000}", ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9000/"], "health_http"),
    ("tcp: {port: http}",
     ["CMD-SHELL", "nc -z 127.0.0.1 8080 2>/dev/null || nc 127.0.0.1 8080 </dev/null"], "health_tcp"),
    ("exec: [pg_isready, -q]", ["CMD", "pg_isready", "-q"], "health_exec"),
])
def test_healthcheck_kind(tmp_path: Path, check: str, test: list[str], feature: str) -> None:
    bundle = translate(tmp_path, f"""\
services:
  web:
    image: i
    ports: [{{name: http, port: 8080}}]
    health:
      liveness:
        {check}
        interval: 1m30s
        timeout: 500ms
        retries: 4
        start_period: 20s
""")
    hc = stack_of(bundle)["services"]["web"]["healthcheck"]
    # The CLI prints durations as Go does: 1m30s, 500ms, 20s.
    assert hc == {"test": test, "interval": "1m30s", "timeout": "500ms", "retries": 4, "start_period": "20s"}
    if feature == "health_exec":
        assert not bundle.warnings
    else:
        assert warnings_of(bundle) == {"services.web.health.liveness": feature}


def test_healthcheck_readiness_wins_and_startup_widens_start_period(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web:
    image: i
    health:
      liveness: {exec: [live], start_period: 1h}
      readiness: {exec: [ready], interval: 3s, start_period: 5s}
      startup: {exec: [started], interval: 2s, retries: 30, start_period: 10s}
""")
    hc = stack_of(bundle)["services"]["web"]["healthcheck"]
    assert hc["test"] == ["CMD", "ready"]
    assert hc["interval"] == "3s"
    assert hc["start_period"] == "1m15s"  # 5s + 10s + 2s x 30
    warned = warnings_of(bundle)
    assert warned["services.web.health.readiness"] == "health_readiness"
    assert warned["services.web.health.startup"] == "health_startup"
    assert "liveness check is not rendered" in str(bundle.warnings)


def test_healthcheck_startup_alone_is_the_check(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web:
    image: i
    health:
      startup: {exec: [started], retries: 5}
""")
    hc = stack_of(bundle)["services"]["web"]["healthcheck"]
    assert (hc["test"], hc["retries"], hc["start_period"]) == (["CMD", "started"], 5, "0s")
    assert warnings_of(bundle) == {"services.web.health.startup": "health_startup"}


def test_healthcheck_absent_without_probes(tmp_path: Path) -> None:
    bundle = translate(tmp_path, "services:\n  web: {image: i}\n")
    assert "healthcheck" not in stack_of(bundle)["services"]["web"]


# ---- services: deploy -----------------------------------------------------------------------

def test_service_deploy_mapping(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web:
    image: i
    command: [/bin/web]
    args: [--port, "80"]
    replicas: 3
    restart: on-failure
    labels: {tier: front}
    resources:
      requests: {cpu: 250m, memory: 512Mi}
      limits: {cpu: "2", memory: 1G}
    update: {parallelism: 2, surge: 2, min_ready: 10s, deadline: 90s, auto_rollback: true}
    ports:
      - {name: http, port: 8080, publish: true, published_port: 80}
      - {name: dns, port: 53, protocol: udp, publish: true}
      - {name: admin, port: 9000}
""")
    web = stack_of(bundle)["services"]["web"]
    assert (web["entrypoint"], web["command"]) == (["/bin/web"], ["--port", "80"])
    deploy = web["deploy"]
    assert (deploy["mode"], deploy["replicas"]) == ("replicated", 3)
    assert deploy["labels"] == {"app.kubernetes.io/managed-by": "crossdock", "app.kubernetes.io/part-of": "t",
                                "app.kubernetes.io/name": "web", "tier": "front"}
    assert deploy["resources"] == {"limits": {"cpus": "2", "memory": "1000000000"},
                                   "reservations": {"cpus": "0.25", "memory": "536870912"}}
    assert deploy["restart_policy"] == {"condition": "on-failure"}
    assert deploy["update_config"] == {"parallelism": 2, "delay": "10s", "failure_action": "rollback",
                                       "monitor": "1m30s", "order": "start-first"}
    assert deploy["rollback_config"]["failure_action"] == "pause"
    assert web["ports"] == [{"mode": "ingress", "target": 8080, "published": 80, "protocol": "tcp"},
                            {"mode": "ingress", "target": 53, "protocol": "udp"}]
    assert not bundle.warnings  # surge == parallelism: start-first is exact


@pytest.mark.parametrize("update, order, warned", [
    ("{surge: 0}", "stop-first", False),
    ("{surge: 1, parallelism: 1}", "start-first", False),
    ("{surge: 3, parallelism: 1}", "start-first", True),
])
def test_service_update_order(tmp_path: Path, update: str, order: str, warned: bool) -> None:
    bundle = translate(tmp_path, f"services:\n  web:\n    image: i\n    update: {update}\n")
    assert stack_of(bundle)["services"]["web"]["deploy"]["update_config"]["order"] == order
    assert ("services.web.update.surge" in warnings_of(bundle)) is warned


def test_service_wait_healthy_false_with_health_check_is_reported(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web:
    image: i
    health: {liveness: {exec: [ok]}}
    update: {wait_healthy: false}
""")
    assert warnings_of(bundle) == {"services.web.update.wait_healthy": "update_wait_healthy"}


def test_service_autoscale_route_depends_init_sidecar_reported(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  db: {image: db}
  web:
    image: i
    autoscale: {min: 2, max: 5}
    ports: [{name: http, port: 80}]
    route: {host: a.example.com, port: http}
    depends_on: [db]
    init: [{name: migrate, image: m}]
    sidecars: [{name: proxy, image: p, args: [-v], env: {A: "1"}}]
""")
    stack = stack_of(bundle)
    assert stack["services"]["web"]["deploy"]["replicas"] == 2
    proxy = stack["services"]["web-proxy"]
    assert (proxy["image"], proxy["command"], proxy["environment"]) == ("p", ["-v"], {"A": "1"})
    assert proxy["deploy"]["replicas"] == 2
    assert "ports" not in stack["services"]["web"]  # unpublished ports are reachable on the network
    assert warnings_of(bundle) == {
        "services.web.autoscale": "autoscale", "services.web.route": "route",
        "services.web.depends_on": "depends_on", "services.web.init": "init",
        "services.web.sidecars[0]": "sidecars",
    }


def test_sidecar_name_avoids_an_existing_workload(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web-proxy: {image: x}
  web:
    image: i
    sidecars: [{name: proxy, image: p}]
""")
    assert sorted(stack_of(bundle)["services"]) == ["web", "web-proxy", "web-sidecar-proxy"]


# ---- jobs and cron jobs ---------------------------------------------------------------------

@pytest.mark.parametrize("job, restart_policy, warned", [
    ("{image: j}", {"condition": "none"}, {}),
    ("{image: j, retries: 3}", {"condition": "on-failure", "max_attempts": 3}, {"jobs.once.retries": "job_retries"}),
    ("{image: j, restart: on-failure}", {"condition": "none"}, {}),
    ("{image: j, completions: 4, parallelism: 2}", {"condition": "none"},
     {"jobs.once.completions": "job_completions"}),
    ("{image: j, deadline: 10m}", {"condition": "none"}, {"jobs.once.deadline": "job_deadline"}),
])
def test_job_is_replicated_job(tmp_path: Path, job: str, restart_policy: dict[str, Any],
                               warned: dict[str, str]) -> None:
    bundle = translate(tmp_path, f"jobs:\n  once: {job}\n")
    deploy = stack_of(bundle)["services"]["once"]["deploy"]
    assert deploy["mode"] == "replicated-job"
    assert deploy["restart_policy"] == restart_policy
    assert "update_config" not in deploy
    assert deploy["replicas"] == (4 if "completions" in job else 1)
    assert warnings_of(bundle) == warned


def test_cron_job_reported_not_rendered(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
cron_jobs:
  nightly: {image: j, schedule: "0 3 * * *", timezone: Europe/Paris}
""")
    assert stack_of(bundle)["services"] == {}
    (warning,) = bundle.warnings
    assert str(warning) == "swarm: cron_jobs.nightly.schedule: Swarm has no scheduled jobs; not rendered"
    assert warning.level == "unsupported"


# ---- configs, secrets, volumes --------------------------------------------------------------

def test_configs_exact_content_mode_and_hashed_name(tmp_path: Path) -> None:
    content = "a: b\n$x ${y} {{ z }}\n\ttab\r\nunicode ☃\n"
    body = """\
services:
  web:
    image: i
    files:
      - {path: /etc/app/from file.conf, file: conf/app.conf, mode: 0600}
      - {path: /etc/app/empty, content: ""}
"""
    bundle = translate(tmp_path, body, files={"conf/app.conf": content})
    stack = stack_of(bundle)
    refs = stack["services"]["web"]["configs"]
    assert refs == [{"source": "web-0", "target": "/etc/app/from file.conf", "mode": 0o600},
                    {"source": "web-1", "target": "/etc/app/empty"}]
    first, empty = stack["configs"]["web-0"], stack["configs"]["web-1"]
    assert first["file"] == "./configs/web-0-from_file.conf"
    assert bundle.files["swarm/configs/web-0-from_file.conf"] == content
    assert first["name"] == "t_web-0-" + units.content_hash(content)
    assert first["labels"] == {"app.kubernetes.io/managed-by": "crossdock", "app.kubernetes.io/part-of": "t"}
    # Swarm refuses empty configs: a Go template that renders to nothing.
    assert empty["template_driver"] == "golang"
    assert bundle.files["swarm/configs/web-1-empty"] == '{{""}}'

    changed = translate(tmp_path, body, files={"conf/app.conf": content + "more\n"})
    assert stack_of(changed)["configs"]["web-0"]["name"] != first["name"]


def test_secrets_all_external_with_app_prefix(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
secrets:
  from-env: {from_env: TOKEN}
  from-file: {from_file: s.txt}
  ext: {external: true}
services:
  web:
    image: i
    env: {EXT_FILE: mine}
    secrets:
      - {secret: from-env, env: TOKEN}
      - {secret: from-file, path: /etc/s.txt, mode: 0440}
      - {secret: ext, env: EXT}
""", files={"s.txt": "v"}, environ={"TOKEN": "t"})
    stack = stack_of(bundle)
    assert stack["secrets"] == {"ext": {"name": "t_ext", "external": True},
                                "from-env": {"name": "t_from-env", "external": True},
                                "from-file": {"name": "t_from-file", "external": True}}
    web = stack["services"]["web"]
    assert web["secrets"] == [{"source": "from-file", "target": "/etc/s.txt", "mode": 0o440},
                              {"source": "from-env", "target": "/run/secrets/from-env"},
                              {"source": "ext", "target": "/run/secrets/ext"}]
    # The spec's own EXT_FILE wins over the generated one.
    assert web["environment"] == {"TOKEN_FILE": "/run/secrets/from-env", "EXT_FILE": "mine"}
    assert warnings_of(bundle) == {"secrets.from-env": "secret_values", "secrets.from-file": "secret_values",
                                   "services.web.secrets[0].env": "secret_env",
                                   "services.web.secrets[2].env": "secret_env"}


def test_volumes_named_scratch_and_per_replica(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
volumes:
  data: {size: 1Gi, per_replica: true, storage_class: fast}
  shared: {}
services:
  db:
    image: i
    volumes:
      - {volume: data, path: /data}
      - {volume: shared, path: /shared, read_only: true}
      - {scratch: true, path: /tmp, size: 64Mi}
      - {scratch: true, path: /run/x}
""")
    stack = stack_of(bundle)
    assert stack["services"]["db"]["volumes"] == [
        {"type": "volume", "source": "data", "target": "/data"},
        {"type": "volume", "source": "shared", "target": "/shared", "read_only": True},
        {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 67108864}},
        {"type": "tmpfs", "target": "/run/x"},
    ]
    assert stack["volumes"]["data"]["name"] == "t_data-{{.Task.Slot}}"
    assert stack["volumes"]["shared"]["name"] == "t_shared"
    assert warnings_of(bundle) == {"volumes.data.per_replica": "volume_per_replica",
                                   "volumes.data.storage_class": "volume_storage_class",
                                   "volumes.shared": "volumes"}


# ---- placement ------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, rendered", [
    ("disk", "ssd", "node.labels.disk == ssd"),
    ("kubernetes.io/hostname", "node-1", "node.hostname == node-1"),
    ("kubernetes.io/os", "linux", "node.platform.os == linux"),
    ("kubernetes.io/arch", "amd64", "node.platform.arch == x86_64"),
    ("kubernetes.io/arch", "arm64", "node.platform.arch == aarch64"),
    ("zone", "eu west/1:a*", "node.labels.zone == eu west/1:a*"),
    ("example.com/pool", "web", None),  # swarmkit: "key 'node.labels.example.com/pool' is invalid"
    ("zone", "a,b", None),  # swarmkit: "value 'a,b' is invalid"
    ("zone", "é", None),
    ("zone", "a\tb\nc\rd\fe", "node.labels.zone == a\tb\nc\rd\fe"),  # swarmkit's \s (Go: [\t\n\f\r ])
    ("zone", "a\vb", None),  # not in Go's \s
    ("zone", " padded", None),  # swarmkit trims it: the value would change
    ("zone", "padded\n", None),
    ("zone", "", None),
])
def test_placement_constraint(key: str, value: str, rendered: str | None) -> None:
    assert placement.constraint(key, value) == rendered


def test_placement_spread_and_unrenderable_constraint_reported(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
services:
  web:
    image: i
    placement:
      constraints: {example.com/pool: web, disk: ssd}
      spread: [kubernetes.io/hostname, topology.kubernetes.io/zone]
""")
    got = stack_of(bundle)["services"]["web"]["deploy"]["placement"]
    assert got == {"constraints": ["node.labels.disk == ssd"],
                   "preferences": [{"spread": "node.id"}, {"spread": "node.labels.topology.kubernetes.io/zone"}]}
    assert warnings_of(bundle) == {"services.web.placement.constraints.example.com/pool": "placement_constraints"}


# ---- units ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cpu, cpus", [("250m", "0.25"), ("2", "2"), ("1.5", "1.5"), ("10m", "0.01"),
                                        ("1m", "0.001"), ("1000m", "1")])
def test_units_cpus(cpu: str, cpus: str) -> None:
    assert units.cpus(cpu) == cpus


@pytest.mark.parametrize("memory, text", [("512Mi", "536870912"), ("1G", "1000000000"), ("64k", "64000"),
                                          ("100", "100")])
def test_units_memory(memory: str, text: str) -> None:
    assert units.memory(memory) == text


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (0.5, "500ms"), (90, "1m30s"), (3600, "1h"),
                                           (3661.25, "1h1m1s250ms"), (120, "2m")])
def test_units_duration(seconds: float, text: str) -> None:
    assert units.duration(seconds) == text


def test_units_config_name_fits_swarm_limit() -> None:
    name = units.config_name("a" * 40, "w" * 52, 12, "0123abcd")
    assert len(name) <= units.SWARM_OBJECT_NAME_MAX and name.endswith("-12-0123abcd")


# ---- x-swarm --------------------------------------------------------------------------------

def test_extension_merged_and_dollars_kept(tmp_path: Path) -> None:
    bundle = translate(tmp_path, """\
x-swarm:
  networks:
    default: {driver: overlay, attachable: true}
services:
  web:
    image: i
    env: {A: "yes $$x"}
    x-swarm:
      deploy:
        endpoint_mode: dnsrr
        update_config: null
      stop_grace_period: 30s
      hostname: "h$$x"
""")
    text = bundle.files[bundle.primary]
    stack = stack_of(bundle)
    web = stack["services"]["web"]
    assert stack["networks"]["default"] == {"driver": "overlay", "attachable": True}
    assert web["deploy"]["endpoint_mode"] == "dnsrr"
    assert "update_config" not in web["deploy"]
    assert (web["stop_grace_period"], web["hostname"]) == ("30s", "h$x")
    assert web["environment"] == {"A": "yes $x"}
    assert yaml.safe_load(text)["services"]["web"]["hostname"] == "h$$x"


def test_no_extension_leaves_template_output(tmp_path: Path) -> None:
    bundle = translate(tmp_path, "services:\n  web: {image: i}\n")
    assert bundle.files[bundle.primary].startswith('version: "3.8"\nservices:\n  "web":\n')


# ---- on the real Swarm (scripts/platforms) --------------------------------------------------

def _deploy(swarm: Any, stack: str, spec: LoadedSpec, secrets: dict[str, str], out: Path) -> None:
    """Render ``spec`` (an app named ``stack``) into ``out``, create its secrets (labelled for
    ``_remove_secrets``) and run ``docker stack deploy`` there, as a user would."""
    bundle = SwarmTranslator().translate(spec)
    for rel, text in bundle.files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    for name, value in secrets.items():
        swarm.secrets.create(name=f"{stack}_{name}", data=value.encode(), labels={"crossdock.test": stack})
    proc = subprocess.run(["docker", "stack", "deploy", "--resolve-image", "never", "-c", bundle.primary, stack],
                          cwd=out, check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _remove(swarm: Any, stack: str) -> None:
    """``docker stack rm``; then the containers of completed job tasks, which Swarm (20.10)
    leaves behind when their service is removed, and the test's secrets."""
    from docker import errors as docker_errors  # the platform extra: imported only by platform tests

    label = {"label": f"com.docker.stack.namespace={stack}"}
    subprocess.run(["docker", "stack", "rm", stack], capture_output=True, check=False)
    wait_for(lambda: not swarm.services.list(filters=label), 60, "the stack's services to be removed")
    for container in swarm.containers.list(all=True, filters={**label, "status": "exited"}):
        container.remove()

    def secrets_gone() -> bool:
        for secret in swarm.secrets.list(filters={"label": f"crossdock.test={stack}"}):
            try:
                secret.remove()
            except docker_errors.APIError:  # still in use by a task being shut down
                return False
        return True
    wait_for(secrets_gone, 90, "the test's secrets to be removed")


def _container(swarm: Any, stack: str, service: str, healthy: bool = True) -> Any:
    def ready() -> Any:
        found = swarm.containers.list(filters={"label": f"com.docker.swarm.service.name={stack}_{service}"})
        if not found:
            return None
        found[0].reload()
        status = found[0].attrs["State"].get("Health", {}).get("Status")
        return found[0] if not healthy or status == "healthy" else None
    return wait_for(ready, 120, f"a {'healthy ' if healthy else ''}{service} container")


@pytest.mark.platform
def test_platform_example_runs_on_swarm(swarm: Any, stack_name: str, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: shop\n", f"name: {stack_name}\n", 1)
    password = (EXAMPLE.parent / "secrets" / "db-password.txt").read_text(encoding="utf-8")
    spec = load(str(EXAMPLE), text=text, environ={})
    try:
        _deploy(swarm, stack_name, spec, {"db-password": password, "api-token": "t0k$n"}, tmp_path)
        web = _container(swarm, stack_name, "web")  # the http check (wget) passes
        _container(swarm, stack_name, "api")  # the tcp check (nc) passes
        for path, want in (("/etc/shop/web.conf", spec.file_contents[("services", "web", 0)]),
                           ("/etc/shop/banner.txt", spec.app.services["web"].files[1].content),
                           ("/run/secrets/db-password", password)):
            code, got = web.exec_run(["cat", path])
            assert (code, got.decode()) == (0, want), path
        env = dict(e.split("=", 1) for e in web.attrs["Config"]["Env"])
        assert env["GREETING"] == "hello from crossdock"
        assert env["DB_PASSWORD_FILE"] == "/run/secrets/db-password"
        job = swarm.services.get(f"{stack_name}_migrate")
        wait_for(lambda: [t["Status"]["State"] for t in job.tasks()] == ["complete"], 120, "the job to complete")
    finally:
        _remove(swarm, stack_name)


@pytest.mark.platform
def test_platform_hostile_strings_reach_the_container(swarm: Any, stack_name: str, tmp_path: Path) -> None:
    values = HOSTILE + LEADING_NEWLINE
    env = "".join(f"      V{i}: {quoted(v)}\n" for i, v in enumerate(values))
    items = ", ".join(quoted(v) for v in values)
    text = f"""\
apiVersion: crossdock/v1
kind: App
metadata: {{name: {stack_name}}}
services:
  web:
    image: crossdock-test/httpd:1.0
    command: [/bin/serve]
    args: [{items}]
    env:
{env}    files:
      - {{path: /etc/hostile.txt, content: {quoted("".join(values))}}}
      - {{path: /etc/empty.txt, content: ""}}
    volumes:
      - {{scratch: true, path: {quoted(HOSTILE_PATH)}}}
"""
    try:
        _deploy(swarm, stack_name, load(str(tmp_path / "app.yaml"), text=text, environ={}), {}, tmp_path)
        web = _container(swarm, stack_name, "web", healthy=False)
        config = web.attrs["Config"]
        got = dict(e.split("=", 1) for e in config["Env"] if e.startswith("V"))
        assert got == {f"V{i}": v for i, v in enumerate(values)}
        assert (config["Entrypoint"], config["Cmd"]) == (["/bin/serve"], values)
        for path, want in (("/etc/hostile.txt", "".join(values)), ("/etc/empty.txt", "")):
            code, content = web.exec_run(["cat", path])
            assert (code, content.decode()) == (0, want), path
        assert web.exec_run(["test", "-d", HOSTILE_PATH])[0] == 0
    finally:
        _remove(swarm, stack_name)
