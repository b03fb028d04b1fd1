"""translators/importers/nomad_runtime.py: a Nomad task's user, kill_timeout, kill_signal and the
docker driver's readonly_rootfs, cap_add/cap_drop, privileged, security_opt, work_dir, hostname;
secrets never read from a variable the shell sets.

Expectations follow Nomad's jobspec docs (task block: ``user`` is passed to docker as --user,
``kill_timeout`` the time between kill_signal and SIGKILL) and the docker driver's docs (cap_add /
cap_drop take names with or without CAP_, in any case, and "all"; security_opt passes docker's
--security-opt).
"""

from __future__ import annotations

from crossdock.specs.model import Capabilities, Security
from crossdock.translators.importers.base import check_spec, write_spec
from test_nomad_import import group, imp, job


def _task(config: str, task: str = "") -> dict[str, str]:
    return group(f'      config {{\n        image = "redis:7.2"\n{config}      }}\n{task}')


def test_nomad_import_docker_hardening_and_runtime_fields() -> None:
    result = imp(_task('        readonly_rootfs = true\n        cap_add = ["net_bind_service", "CAP_SYS_TIME"]\n'
                       '        cap_drop = ["all"]\n        privileged = false\n'
                       '        security_opt = ["no-new-privileges"]\n        work_dir = "/data"\n'
                       '        hostname = "cache-1"\n',
                       '      user = "999:1000"\n      kill_timeout = "45s"\n      kill_signal = "SIGQUIT"\n'))
    web = result.doc["services"]["web"]
    assert web["security"] == {"user": 999, "group": 1000, "read_only_root": True, "no_new_privileges": True,
                               "capabilities": {"add": ["NET_BIND_SERVICE", "SYS_TIME"], "drop": ["ALL"]}}
    assert (web["working_dir"], web["hostname"], web["stop_grace_period"], web["stop_signal"]) == (
        "/data", "cache-1", "45s", "SIGQUIT")
    assert "x-nomad" not in web
    assert result.losses == []


def test_nomad_import_user_by_name() -> None:
    web = imp(_task("", '      user = "redis"\n')).doc["services"]["web"]
    assert web["security"] == {"user": "redis"}


def test_nomad_import_unknown_security_option_and_bad_user_are_reported() -> None:
    result = imp(_task('        security_opt = ["seccomp=unconfined", "no-new-privileges:true"]\n',
                       '      user = "a:b:c"\n'))
    web = result.doc["services"]["web"]
    assert web["security"] == {"no_new_privileges": True}
    messages = {x.path: x.message for x in result.losses}
    assert "seccomp=unconfined" in messages["job.web.group.web.task.web.config.security_opt"]
    assert "not a user name or id" in messages["job.web.group.web.task.web: user"]


def test_nomad_import_step_security_and_what_a_step_cannot_take() -> None:
    body = ('    task "init" {\n      driver = "docker"\n      lifecycle {\n        hook = "prestart"\n      }\n'
            '      user = "1000"\n      kill_timeout = "20s"\n'
            '      config {\n        image = "busybox:1.36"\n        work_dir = "/work"\n'
            '        cap_drop = ["ALL"]\n        hostname = "init"\n      }\n    }\n')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    (step,) = result.doc["services"]["web"]["init"]
    assert step["security"] == {"user": 1000, "capabilities": {"drop": ["ALL"]}}
    assert step["working_dir"] == "/work"
    paths = {x.path for x in result.losses}
    assert {"job.web.group.web.task.init: hostname", "job.web.group.web.task.init: KillTimeout"} <= paths


def test_nomad_import_security_loads_as_the_spec_model() -> None:
    result = imp(_task('        cap_add = ["NET_ADMIN"]\n        privileged = true\n'))
    app = check_spec(write_spec(result)).app
    assert app.services["web"].security == Security(privileged=True, capabilities=Capabilities(add=["NET_ADMIN"]))


def test_nomad_import_vault_item_named_pwd_is_not_read_from_the_shells_pwd() -> None:
    tmpl = ('      template {\n        data = <<EOT\n{{ with secret "kv/data/db" }}DB_PASSWORD={{ .Data.data.pwd }}'
            '{{ end }}\nEOT\n        destination = "secrets/db.env"\n        env = true\n      }')
    result = imp(group('      config {\n        image = "a"\n      }\n' + tmpl))
    assert result.doc["services"]["web"]["secrets"] == [{"secret": "pwd", "env": "DB_PASSWORD"}]
    assert result.doc["secrets"] == {"pwd": {"from_env": "SECRET_PWD"}}
    assert "SECRET_PWD" in result.comments[("secrets", "pwd")]


def test_nomad_import_literal_secret_named_like_a_shell_variable() -> None:
    result = imp(group('      config {\n        image = "a"\n      }\n      env {\n'
                       '        USER = "ghp_0123456789abcdefghijABCDEFGHIJ012345"\n      }'))
    assert result.doc["secrets"] == {"user": {"from_env": "SECRET_USER"}}
    assert "ghp_" not in write_spec(result)


def test_nomad_import_sysbatch_job_is_reported() -> None:
    result = imp(job('  type = "sysbatch"\n  group "g" {\n    task "t" {\n      driver = "docker"\n'
                     '      config {\n        image = "a"\n      }\n    }\n  }'))
    assert "web" in result.doc["jobs"]
    assert [x.kind for x in result.losses if x.path == "job.web: type"] == ["changed"]


def test_nomad_import_group_network_hostname() -> None:
    net = '    network {\n      mode = "bridge"\n      hostname = "agent"\n    }\n'
    result = imp(group('      config {\n        image = "a"\n      }', net))
    assert result.doc["services"]["web"]["hostname"] == "agent"
    bad = imp(group('      config {\n        image = "a"\n      }', net.replace('"agent"', '"${NOMAD_ALLOC_ID}"')))
    assert "hostname" not in bad.doc["services"]["web"]
    assert "job.web.group.web.network: hostname" in {x.path for x in bad.losses}


def test_nomad_import_step_kill_timeout_like_the_main_tasks_is_not_reported() -> None:
    """crossdock renders a workload's stop grace period on each of its tasks."""
    body = ('    task "log" {\n      driver = "docker"\n      lifecycle {\n        hook = "poststart"\n'
            '        sidecar = true\n      }\n      kill_timeout = "20s"\n'
            '      config {\n        image = "busybox:1.36"\n      }\n    }\n')
    result = imp(group('      config {\n        image = "a"\n      }\n      kill_timeout = "20s"', body))
    assert result.doc["services"]["web"]["stop_grace_period"] == "20s"
    assert not [x for x in result.losses if "KillTimeout" in x.path]


def test_nomad_import_task_network_with_port_map() -> None:
    """Nomad before 0.12: the network sits in the task's resources, and the docker driver's
    port_map gives each label's container port (static 8080 on the node -> 80 in the container)."""
    result = imp(_task('        port_map {\n          http = 80\n        }\n        port_map {\n          admin = 9090\n'
                       '        }\n',
                       '      resources {\n        cpu = 100\n        network {\n          mbits = 10\n'
                       '          port "http" {\n            static = 8080\n          }\n          port "admin" {}\n'
                       '        }\n      }\n'
                       '      service {\n        name = "web"\n        port = "http"\n      }\n'))
    web = result.doc["services"]["web"]
    assert web["ports"] == [{"name": "http", "port": 80, "publish": True, "published_port": 8080},
                            {"name": "admin", "port": 9090}]
    assert not [loss for loss in result.losses if "port_map" in str(loss) or "etwork" in str(loss)]


def test_nomad_import_task_network_beside_a_group_network_is_reported() -> None:
    result = imp(_task("", '      resources {\n        network {\n          port "x" {\n            static = 81\n'
                           '          }\n        }\n      }\n'))
    # no port_map: the container listens on the static port itself
    assert result.doc["services"]["web"]["ports"] == [{"name": "x", "port": 81, "publish": True, "published_port": 81}]
    both = imp(group('      config {\n        image = "redis:7.2"\n      }\n      resources {\n        network {\n'
                     '          port "x" {\n            static = 81\n          }\n        }\n      }\n',
                     '    network {\n      port "db" {\n        to = 6379\n      }\n    }\n'))
    assert [p["port"] for p in both.doc["services"]["web"]["ports"]] == [6379]
    assert any("task network beside the group's" in str(loss) for loss in both.losses)


def test_nomad_import_task_with_its_own_network_is_a_service_of_its_own() -> None:
    """Nomad's sock shop guide: a group runs a service and its database as two tasks, each with
    a task network and a registration of its own: two containers with two addresses, not one
    network namespace with a sidecar."""
    def task(name: str, image: str, port: int) -> str:
        return (f'    task "{name}" {{\n      driver = "docker"\n      config {{\n        image = "{image}"\n'
                f'        port_map {{\n          p = {port}\n        }}\n      }}\n'
                f'      resources {{\n        network {{\n          port "p" {{}}\n        }}\n      }}\n'
                f'      service {{\n        name = "{name}"\n        port = "p"\n      }}\n    }}\n')
    result = imp(job('  group "user" {\n' + task("user", "weaveworksdemos/user:0.4.4", 80)
                     + task("user-db", "weaveworksdemos/user-db:0.4.0", 27017) + '  }'))
    services = result.doc["services"]
    assert sorted(services) == ["user", "user-db"]
    assert [p["port"] for p in services["user"]["ports"]] == [80]
    assert [p["port"] for p in services["user-db"]["ports"]] == [27017]
    assert "sidecars" not in services["user"]
    assert any("a network of its own becomes a service of its own" in str(loss) for loss in result.losses)
