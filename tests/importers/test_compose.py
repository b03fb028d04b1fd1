"""The compose importer, field by field: each case is a small compose project in memory, and the
expected spec values are written from compose's documented behaviour."""

from __future__ import annotations

import pytest

from crossdock.errors import InputError
from crossdock.specs.model import App
from crossdock.translators.importers import base


def _import(files: dict[str, str], paths: tuple[str, ...] = ("p/compose.yaml",),
            environ: dict[str, str] | None = None) -> tuple[App, base.ImportResult, str]:
    result = base.get_importer("compose").import_files(list(paths), base.MemorySources(files), name="t",
                                                       environ=environ or {})
    text = base.write_spec(result)
    return base.check_spec(text).app, result, text


def _one(service: str, **files: str) -> tuple[App, base.ImportResult, str]:
    return _import({"p/compose.yaml": "services:\n  web:\n" + "".join(f"    {line}\n" for line in
                                                                     service.splitlines()), **files})


def _losses(result: base.ImportResult) -> dict[str, base.Loss]:
    return {loss.path: loss for loss in result.losses}


# ---- variables --------------------------------------------------------------------------------

def test_compose_variables_stay_variables_with_defaults() -> None:
    app, result, text = _one("image: ${REG:-docker.io}/web:${TAG:-1.0}\nenvironment:\n  HOME_DIR: $HOME/x\n"
                             "  PRICE: $$5\n  LEVEL: ${LEVEL-info}")
    assert "image: ${REG}/web:${TAG}" in text and "HOME_DIR: ${HOME}/x" in text and "PRICE: $$5" in text
    # HOME is unset here (environ={}): compose would use "" with a warning; so does the spec, and says so
    assert app.variables == {"REG": "docker.io", "TAG": "1.0", "LEVEL": "info", "HOME": ""}
    assert app.services["web"].env["PRICE"] == "$5"
    assert [(loss.path, loss.kind) for loss in result.losses] == [("services.web.environment.HOME_DIR", "changed")]


def test_compose_dotenv_wins_over_defaults_and_shell_is_not_copied() -> None:
    app, result, _ = _import({"p/compose.yaml": "services:\n  web:\n    image: x:${TAG:-1.0}\n    environment:\n"
                                                "      U: ${USER_NAME}\n", "p/.env": "TAG=2.0\n# c\nUSER_NAME=bob\n"},
                             environ={"TAG": "3.0", "USER_NAME": "alice"})
    assert app.variables == {"TAG": "2.0", "USER_NAME": "bob"}  # the environment wins when the spec is used
    assert "p/.env" in result.sources


def test_compose_conflicting_defaults_stay_inline() -> None:
    app, _, text = _one("image: x\nenvironment:\n  A: ${V:-one}\n  B: ${V:-two}")
    assert app.variables == {} and "A: ${V:-one}" in text and "B: ${V:-two}" in text
    assert app.services["web"].env == {"A": "one", "B": "two"}


def test_compose_alternate_value_is_resolved_and_reported() -> None:
    app, result, _ = _import({"p/compose.yaml": "services:\n  web:\n    image: x\n    environment:\n"
                                                "      FLAG: ${DEBUG:+on}\n", "p/.env": "DEBUG=1\n"})
    assert app.services["web"].env["FLAG"] == "on"
    loss = _losses(result)["services.web.environment.FLAG"]
    assert (loss.kind, loss.line, loss.col) == ("changed", 5, 7)


def test_compose_secret_looking_dotenv_value_is_withheld() -> None:
    app, result, text = _import({"p/compose.yaml": "services:\n  web:\n    image: x\n    environment:\n"
                                                   "      URL: postgres://u:${DB_PASS}@db/app\n",
                                 "p/.env": "DB_PASS=hunter2\n"})
    assert "hunter2" not in text and "DB_PASS" not in app.variables
    assert _losses(result)["variables.DB_PASS"].file == "p/.env"


def test_compose_yaml_12_scalars() -> None:
    app, _, _ = _one('image: x\nenvironment:\n  DEBUG: yes\n  OCT: "0755"\nports: [22:22]')
    assert app.services["web"].env == {"DEBUG": "yes", "OCT": "0755"}
    assert [(p.port, p.published_port) for p in app.services["web"].ports] == [(22, 22)]


# ---- merging files, extends, include ----------------------------------------------------------

def test_compose_override_file_merges_by_compose_rules() -> None:
    files = {
        "p/compose.yaml": "services:\n  web:\n    image: x:1\n    command: [a, b]\n    environment: [A=1, B=2]\n"
                          "    ports: ['80']\n    volumes: ['data:/d', 'logs:/l']\nvolumes: {data: {}, logs: {}}\n",
        "p/override.yaml": "services:\n  web:\n    image: x:2\n    command: [c]\n    environment: {B: three}\n"
                           "    ports: ['443']\n    volumes: ['other:/d']\nvolumes: {other: {}}\n",
    }
    app, _, _ = _import(files, ("p/compose.yaml", "p/override.yaml"))
    web = app.services["web"]
    assert web.image == "x:2" and web.args == ["c"]
    assert web.env == {"A": "1", "B": "three"}
    assert sorted(p.port for p in web.ports) == [80, 443]
    assert sorted((v.path, v.volume) for v in web.volumes) == [("/d", "other"), ("/l", "logs")]


def test_compose_extends_other_file_and_losses_point_there() -> None:
    files = {
        "p/compose.yaml": "services:\n  web:\n    extends: {file: lib/base.yaml, service: base}\n    image: x\n"
                          "    environment: {B: 2}\n  api:\n    extends: web\n",
        "p/lib/base.yaml": "services:\n  base:\n    image: base\n    environment: {A: 1, B: 1}\n"
                           "    sysctls: [net.core.somaxconn=1024]\n",
    }
    app, result, _ = _import(files)
    assert app.services["web"].env == {"A": "1", "B": "2"} and app.services["web"].image == "x"
    assert app.services["api"].env == {"A": "1", "B": "2"}
    loss = _losses(result)["services.web.sysctls"]
    assert (loss.file, loss.line) == ("p/lib/base.yaml", 5)


def test_compose_include_reads_paths_relative_to_the_included_file() -> None:
    files = {
        "p/compose.yaml": "include: [db/db.yaml]\nservices:\n  web: {image: x, depends_on: [db]}\n",
        "p/db/db.yaml": "services:\n  db:\n    image: pg\n    env_file: db.env\n",
        "p/db/db.env": "POSTGRES_DB=app\n",
    }
    app, result, _ = _import(files)
    assert app.services["db"].env == {"POSTGRES_DB": "app"} and app.services["web"].depends_on == ["db"]
    assert {"p/compose.yaml", "p/db/db.yaml", "p/db/db.env"} <= set(result.sources)


def test_compose_include_loop_is_refused() -> None:
    with pytest.raises(InputError, match="include loop"):
        _import({"p/compose.yaml": "include: [b.yaml]\nservices: {}\n", "p/b.yaml": "include: [compose.yaml]\n"})


# ---- ports, volumes, files ----------------------------------------------------------------------

@pytest.mark.parametrize(("port", "expected"), [
    ("'80'", [(80, "tcp", True, None)]),
    ("'8080:80'", [(80, "tcp", True, 8080)]),
    ("'127.0.0.1:5353:53/udp'", [(53, "udp", False, None)]),  # the Docker host's loopback only
    ("'3000-3001:4000-4001'", [(4000, "tcp", True, 3000), (4001, "tcp", True, 3001)]),
    ("{target: 80, published: '8081', name: web}", [(80, "tcp", True, 8081)]),
])
def test_compose_ports(port: str, expected: list[tuple[int, str, bool, int | None]]) -> None:
    app, _, _ = _one(f"image: x\nports: [{port}]")
    assert [(p.port, p.protocol, p.publish, p.published_port) for p in app.services["web"].ports] == expected


def test_compose_port_published_twice_in_the_app() -> None:
    app, result, _ = _import({"p/compose.yaml": "services:\n  a: {image: x, ports: ['80:80']}\n"
                                                "  b: {image: x, ports: ['80:8080']}\n"})
    assert app.services["b"].ports[0].published_port is None
    assert "also published by a" in _losses(result)["services.b.ports[0]"].message


def test_compose_volumes_and_tmpfs() -> None:
    app, result, _ = _one(
        "image: x\nvolumes:\n  - data:/data:ro\n  - /anon\n  - ./conf/app.ini:/etc/app.ini\n  - ./conf:/etc/conf\n"
        "  - {type: tmpfs, target: /cache, tmpfs: {size: 32m}}\ntmpfs: /run", **{"p/conf/app.ini": "a = $1\n"})
    web = app.services["web"]
    assert [(v.path, v.volume, v.scratch, v.size, v.read_only) for v in web.volumes] == [
        ("/data", "data", False, None, True), ("/anon", None, True, None, False),
        ("/cache", None, True, "32Mi", False), ("/run", None, True, None, False)]
    assert [(f.path, f.content) for f in web.files] == [("/etc/app.ini", "a = $1\n")]
    losses = _losses(result)
    assert losses["services.web.volumes[1]"].kind == "changed" and losses["services.web.volumes[2]"].kind == "changed"
    assert "host path './conf'" in losses["services.web.volumes[3]"].message
    assert app.volumes == {"data": app.volumes["data"]}


def test_compose_configs_and_secrets() -> None:
    files = {"p/compose.yaml": """\
services:
  web:
    image: x
    configs: [a, {source: b, target: /etc/b.conf, mode: 0440, uid: "1000"}]
    secrets: [s, {source: t, target: t.pem}]
    environment: {DB_PASSWORD: inline}
configs:
  a: {file: a.txt}
  b: {content: "v=${V:-1}"}
secrets:
  s: {file: ./s.txt}
  t: {environment: T_VALUE}
  db_password: {external: true}
""", "p/a.txt": "A\n", "p/s.txt": "x"}
    app, result, text = _import(files)
    web = app.services["web"]
    assert [(f.path, f.content, f.mode) for f in web.files] == [("/a", "A\n", None), ("/etc/b.conf", "v=1", 0o440)]
    assert [(s.secret, s.path, s.env) for s in web.secrets] == [
        ("db-password", None, "DB_PASSWORD"), ("s", "/run/secrets/s", None), ("t", "/run/secrets/t.pem", None)]
    assert app.secrets["s"].from_file == "p/s.txt" and app.secrets["t"].from_env == "T_VALUE"
    assert "inline" not in text
    assert "services.web.configs[1].uid" in _losses(result)


def test_compose_secret_names_do_not_collide() -> None:
    app, _, _ = _import({"p/compose.yaml": "services:\n  web:\n    image: x\n    secrets: [db_password]\n"
                                           "    environment: {DB_PASSWORD: inline}\n"
                                           "secrets:\n  db_password: {file: pw.txt}\n"})
    assert app.secrets["db-password"].from_env == "DB_PASSWORD"
    assert app.secrets["db-password-2"].from_file == "p/pw.txt"
    assert {(s.secret, s.env, s.path) for s in app.services["web"].secrets} == {
        ("db-password", "DB_PASSWORD", None), ("db-password-2", None, "/run/secrets/db_password")}


# ---- health, deploy, restart ------------------------------------------------------------------

@pytest.mark.parametrize(("test", "expected"), [
    ("curl -f http://localhost", ["sh", "-c", "curl -f http://localhost"]),
    ("[CMD-SHELL, 'pg_isready || exit 1']", ["sh", "-c", "pg_isready || exit 1"]),
    ("[CMD, /bin/check, --quick]", ["/bin/check", "--quick"]),
])
def test_compose_healthcheck_becomes_liveness(test: str, expected: list[str]) -> None:
    app, _, _ = _one(f"image: x\nhealthcheck:\n  test: {test}\n  retries: 5")
    probe = app.services["web"].health.liveness  # type: ignore[union-attr]
    assert probe is not None and probe.exec == expected
    assert (probe.interval, probe.timeout, probe.retries, probe.start_period) == ("30s", "30s", 5, "0s")


@pytest.mark.parametrize("hc", ["{test: [NONE]}", "{disable: true}"])
def test_compose_healthcheck_disabled(hc: str) -> None:
    app, result, _ = _one(f"image: x\nhealthcheck: {hc}")
    assert app.services["web"].health is None and result.losses == []


def test_compose_deploy_block() -> None:
    app, result, _ = _one("""\
image: x
deploy:
  replicas: 3
  resources: {limits: {cpus: '2', memory: 1.5g, pids: 100}, reservations: {cpus: '0.05', memory: '1048576'}}
  update_config: {parallelism: 2, delay: 1m30s, order: stop-first, monitor: 10s, failure_action: rollback}
  rollback_config: {parallelism: 1}
  placement:
    constraints: [node.hostname == n1, node.platform.arch == x86_64, node.labels.disk==ssd, node.role == worker]
    preferences: [{spread: node.id}]
    max_replicas_per_node: 1
  restart_policy: {condition: on-failure, delay: 5s}
  endpoint_mode: dnsrr""")
    web = app.services["web"]
    assert web.replicas == 3 and web.restart == "on-failure"
    assert web.resources is not None
    assert (web.resources.limits.cpu, web.resources.limits.memory) == ("2", "1536Mi")
    assert (web.resources.requests.cpu, web.resources.requests.memory) == ("50m", "1Mi")
    u = web.update
    assert (u.parallelism, u.surge, u.min_ready, u.deadline, u.auto_rollback) == (2, 0, "1m30s", "10s", True)
    assert web.placement is not None
    assert web.placement.constraints == {"kubernetes.io/hostname": "n1", "kubernetes.io/arch": "amd64", "disk": "ssd"}
    assert web.placement.spread == ["kubernetes.io/hostname"]
    assert {"services.web.deploy.resources.limits.pids", "services.web.deploy.rollback_config",
            "services.web.deploy.placement.constraints[3]", "services.web.deploy.placement.max_replicas_per_node",
            "services.web.deploy.restart_policy.delay", "services.web.deploy.endpoint_mode"} <= set(_losses(result))


def test_compose_job_modes_and_restart() -> None:
    app, result, _ = _import({"p/compose.yaml": """\
services:
  once:
    image: x
    deploy: {mode: replicated-job, replicas: 4, restart_policy: {condition: on-failure, max_attempts: 2}}
  everywhere:
    image: x
    deploy: {mode: global}
  svc:
    image: x
    restart: unless-stopped
"""})
    job = app.jobs["once"]
    assert (job.completions, job.parallelism, job.retries, job.restart) == (4, 4, 2, "on-failure")
    # Compose Specification, deploy.mode: global is "exactly one container per physical node"
    assert (app.services["everywhere"].mode, app.services["everywhere"].replicas) == ("per_node", None)
    assert "services.everywhere.deploy.mode" not in _losses(result)
    assert app.services["svc"].restart == "always"


def test_compose_names_are_sanitized_and_references_follow() -> None:
    app, result, _ = _import({"p/compose.yaml": "services:\n  My_DB: {image: pg}\n  web: {image: x, depends_on: [My_DB]}\n"})
    assert set(app.services) == {"my-db", "web"} and app.services["web"].depends_on == ["my-db"]
    assert _losses(result)["services.My_DB"].kind == "changed"


def test_compose_unknown_service_keys_are_reported_where_they_are() -> None:
    _, result, _ = _import({"p/compose.yaml": "x-common: &c {image: x}\nservices:\n  web:\n    <<: *c\n"
                                              "    sysctls: {a: 1}\n    x-note: hi\n"})
    losses = _losses(result)
    assert set(losses) == {"services.web.sysctls", "services.web.x-note"}
    assert (losses["services.web.sysctls"].line, losses["services.web.sysctls"].col) == (5, 5)


def test_compose_build_without_image() -> None:
    app, result, _ = _one("build: .")
    assert app.services["web"].image == "t-web"
    assert "image builds are not imported" in _losses(result)["services.web.build"].message


def test_compose_invalid_env_name_is_reported() -> None:
    app, result, _ = _one("image: x\nenvironment: [1nvalid=1, OK=2, dotted.name-x=3]")
    assert app.services["web"].env == {"OK": "2", "dotted.name-x": "3"}
    assert set(_losses(result)) == {"services.web.environment.1nvalid"}


def test_compose_v2_format_fields() -> None:
    app, result, _ = _import({"p/docker-compose.yml": """\
version: "2.4"
services:
  web:
    image: x
    mem_limit: 512m
    mem_reservation: 128m
    cpus: 0.5
    scale: 2
    links: [db, "cache:redis"]
  db: {image: pg}
  cache: {image: redis}
"""}, ("p/docker-compose.yml",))
    web = app.services["web"]
    assert web.resources is not None
    assert (web.resources.limits.cpu, web.resources.limits.memory, web.resources.requests.memory) == \
        ("500m", "512Mi", "128Mi")
    assert web.replicas == 2 and web.depends_on == ["db", "cache"]
    assert app.services["cache"].aliases == ["redis"]  # the link's alias: web reaches cache as 'redis'
    assert result.losses == []


def test_compose_options_without_a_place_are_reported() -> None:
    _, result, _ = _import({"p/compose.yaml": """\
services:
  web:
    image: x
    entrypoint: []
    volumes: ["data:/d:nocopy"]
    tmpfs: ["/t:size=1m,mode=1777"]
    configs: [c]
    secrets: [s]
volumes: {data: {}}
configs:
  c: {content: x, labels: {a: b}}
secrets:
  s: {file: s.txt, driver: vault}
"""})
    assert set(_losses(result)) == {"services.web.entrypoint", "services.web.volumes[0]", "services.web.tmpfs[0]",
                                    "configs.c.labels", "secrets.s.driver"}


@pytest.mark.parametrize("deps", ["a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: {a: {}}}",
                                  "a: {image: x, depends_on: [a]}"])
def test_compose_dependency_cycle_is_refused(deps: str) -> None:
    with pytest.raises(InputError, match=r"p/compose.yaml:2:\d+: services.a.depends_on: dependency cycle a -> "):
        _import({"p/compose.yaml": f"services:\n  {deps}\n"})


def test_compose_one_mount_per_container_path() -> None:
    app, result, _ = _import({"p/compose.yaml": "services:\n  a:\n    image: x\n    volumes: ['d:/etc/x', './f:/etc/x']\n"
                                                "    secrets: [{source: s, target: /etc/x}]\n"
                                                "secrets: {s: {file: f}}\nvolumes: {d: {}}\n", "p/f": "hi\n"})
    a = app.services["a"]
    assert [f.path for f in a.files] == ["/etc/x"] and a.volumes == [] and a.secrets == []
    assert "is already mounted from a config file" in _losses(result)["services.a.volumes"].message


def test_compose_long_service_name_fits_swarm() -> None:
    long = "a-very-long-service-name-that-goes-on-and-on"  # 44 characters
    files = {"p/compose.yaml": f"services:\n  {long}: {{image: x}}\n  {long}-too: {{image: x}}\n"}
    result = base.get_importer("compose").import_files(["p/compose.yaml"], base.MemorySources(files),
                                                       name="an-app-name-of-thirty-letters-", environ={})
    app = base.check_spec(base.write_spec(result)).app
    assert all(len(f"{app.name}_{n}") <= 63 for n in app.services) and len(app.services) == 2
    assert _losses(result)[f"services.{long}"].kind == "changed"


def test_compose_values_the_spec_refuses_are_reported_not_written() -> None:
    app, result, _ = _import({"p/compose.yaml": """\
services:
  web:
    image: x
    ports: [{target: 70000}]
    tmpfs: [relative/dir]
    configs: [{source: c, target: etc/c.conf, mode: 99999}]
    healthcheck: {test: [CMD]}
    deploy:
      replicas: 20000
      placement: {constraints: ["node.labels.Bad_Prefix/key == x"]}
  once:
    image: x
    deploy: {mode: replicated-job, replicas: 0}
configs:
  c: {content: x}
"""})
    web = app.services["web"]
    assert web.ports == [] and web.volumes == [] and web.health is None and web.replicas is None
    assert [(f.path, f.mode) for f in web.files] == [("/etc/c.conf", None)]
    assert app.jobs["once"].completions == 1
    assert {"services.web.ports[0]", "services.web.tmpfs", "services.web.configs[0].mode",
            "services.web.healthcheck.test", "services.web.deploy.replicas",
            "services.web.deploy.placement.constraints[0]", "services.once.deploy.replicas"} <= set(_losses(result))


def test_compose_image_with_spaces_is_refused() -> None:
    with pytest.raises(InputError, match=r"p/compose.yaml:3:12: services.web.image: 'not an image' is not an image"):
        _import({"p/compose.yaml": "services:\n  web:\n    image: not an image\n"})
