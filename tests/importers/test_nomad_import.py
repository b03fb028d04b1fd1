"""The Nomad importer, one mapping at a time: small jobs written here, the spec data expected
written out by hand from Nomad's documented meaning of each field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crossdock.errors import InputError
from crossdock.translators.importers.base import ImportResult, MemorySources, check_spec, write_spec
from crossdock.translators.importers.nomad import IMPORTER

MARKER = "MARKER-do-not-leak"


def imp(files: dict[str, str], name: str | None = None) -> ImportResult:
    result = IMPORTER.import_files(sorted(files), MemorySources(files), name=name, environ={})
    check_spec(write_spec(result))  # every result must load as a spec
    return result


def job(body: str, head: str = "") -> dict[str, str]:
    return {"web.nomad": f'{head}job "web" {{\n{body}\n}}\n'}


def group(task_body: str, group_body: str = "", name: str = "web") -> dict[str, str]:
    return job(f'  group "{name}" {{\n{group_body}\n    task "{name}" {{\n      driver = "docker"\n'
               f'{task_body}\n    }}\n  }}')


def paths(result: ImportResult) -> set[str]:
    return {loss.path for loss in result.losses}


def test_nomad_import_claims_jobs_only() -> None:
    assert IMPORTER.claims("a.nomad.hcl", 'job "web" {\n}\n')
    assert IMPORTER.claims("a.json", '{"Job": {"ID": "x", "TaskGroups": []}}')
    assert not IMPORTER.claims("a.hcl", 'resource "aws_instance" "x" {}\n')
    assert not IMPORTER.claims("compose.json", '{"services": {"web": {"image": "x"}}}')


def test_nomad_import_minimal_service() -> None:
    result = imp(group('      config {\n        image = "nginx:1.27"\n      }'))
    # No update block: Nomad's defaults (canary 0, min_healthy_time 10s) are not the spec's.
    assert result.doc == {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "web"},
                          "services": {"web": {"image": "nginx:1.27", "update": {"surge": 0, "min_ready": "10s"}}}}
    assert result.losses == []


def test_nomad_import_docker_command_entrypoint_args() -> None:
    cmd = imp(group('      config {\n        image = "a"\n        command = "run"\n        args = ["-v"]\n      }'))
    assert cmd.doc["services"]["web"]["args"] == ["run", "-v"] and "command" not in cmd.doc["services"]["web"]
    ent = imp(group('      config {\n        image = "a"\n        entrypoint = ["/bin/sh", "-c"]\n'
                    '        args = ["echo hi"]\n      }'))
    assert ent.doc["services"]["web"]["command"] == ["/bin/sh", "-c"]
    assert ent.doc["services"]["web"]["args"] == ["echo hi"]


def test_nomad_import_dollar_escapes_and_runtime_variables() -> None:
    result = imp(group('      config {\n        image = "a"\n      }\n      env {\n'
                       '        DIR  = "${NOMAD_ALLOC_DIR}/data"\n        LIT  = "$${HOME} costs $5"\n      }'))
    env = result.doc["services"]["web"]["env"]
    assert env == {"DIR": "$${NOMAD_ALLOC_DIR}/data", "LIT": "$${HOME} costs $5"}
    spec = check_spec(write_spec(result))
    assert spec.app.services["web"].env == {"DIR": "${NOMAD_ALLOC_DIR}/data", "LIT": "${HOME} costs $5"}
    # Nomad interpolates ${...} in env values at run time, whichever way the HCL wrote it.
    assert sorted(loss.path for loss in result.losses) == ["job.web.group.web.task.web.env.DIR",
                                                            "job.web.group.web.task.web.env.LIT"]
    assert {loss.kind for loss in result.losses} == {"changed"}


def test_nomad_import_hcl_variables() -> None:
    # `tag` (with HCL's $${ escape) goes to an env value: an image reference cannot hold "${".
    head = ('variable "tag" {\n  default = "1.2$${x}"\n}\nvariable "n" {\n  default = 3\n}\n'
            'variable "region" {\n  type = string\n}\nvariable "ver" {\n  default = "1.2"\n}\n')
    body = ('  region = var.region\n  group "web" {\n    count = var.n\n    task "web" {\n      driver = "docker"\n'
            '      config {\n        image = "reg/app:${var.ver}"\n      }\n      env {\n        TAG = "${var.tag}"\n'
            '      }\n    }\n  }')
    result = imp(job(body, head))
    assert result.doc["variables"] == {"region": "", "tag": "1.2${x}", "ver": "1.2"}  # HCL's $${ is ${, kept as is
    assert result.doc["services"]["web"]["image"] == "reg/app:${ver}"
    assert result.doc["services"]["web"]["env"] == {"TAG": "${tag}"}
    assert result.doc["services"]["web"]["replicas"] == 3
    assert result.doc["x-nomad"] == {"Region": "${region}"}
    kinds = {loss.path: loss.kind for loss in result.losses}
    assert kinds["var.n"] == "changed" and kinds["var.region"] == "changed"
    web = check_spec(write_spec(result)).app.services["web"]
    assert (web.image, web.env["TAG"]) == ("reg/app:1.2", "1.2${x}")


def test_nomad_import_heredoc_template_is_a_file() -> None:
    tmpl = ('      template {\n        data = <<-EOT\n          [app]\n            x = 1\n          EOT\n'
            '        destination = "local/app.ini"\n        perms = "0600"\n      }')
    result = imp(group('      config {\n        image = "a"\n      }\n' + tmpl))
    assert result.doc["services"]["web"]["files"] == [{"path": "/local/app.ini", "content": "[app]\n  x = 1\n",
                                                       "mode": "0600"}]


def test_nomad_import_consul_template_actions_are_reported() -> None:
    tmpl = ('      template {\n        data = "upstream={{ range service \\"db\\" }}{{ .Address }}{{ end }}"\n'
            '        destination = "local/up.conf"\n      }')
    result = imp(group('      config {\n        image = "a"\n      }\n' + tmpl))
    assert result.doc["services"]["web"]["files"][0]["content"].startswith("upstream={{ range service")
    (loss,) = [x for x in result.losses if x.path.endswith("template[0]")]
    assert loss.kind == "changed" and loss.line == 9


def test_nomad_import_nomad_variable_and_vault_templates_become_secrets() -> None:
    tmpl = ('      template {\n        data = "{{ with nomadVar \\"nomad/jobs/web\\" }}{{ .api_key }}{{ end }}"\n'
            '        destination = "secrets/api-key"\n      }\n'
            '      template {\n        data = <<EOT\n{{ with secret "kv/data/db" }}DB_PASS={{ .Data.data.pass }}'
            '{{ end }}\nMODE=prod\nEOT\n        destination = "secrets/db.env"\n        env = true\n      }')
    result = imp(group('      config {\n        image = "a"\n      }\n' + tmpl))
    web = result.doc["services"]["web"]
    assert web["secrets"] == [{"secret": "pass", "env": "DB_PASS"}, {"secret": "api-key", "path": "/secrets/api-key"}]
    assert web["env"] == {"MODE": "prod"}
    assert result.doc["secrets"] == {"api-key": {"from_env": "API_KEY"}, "pass": {"from_env": "PASS"}}
    assert "Vault secret kv/data/db" in result.comments[("secrets", "pass")]


def test_nomad_import_literal_password_becomes_a_secret_reference() -> None:
    result = imp(group('      config {\n        image = "a"\n      }\n      env {\n'
                       f'        DB_PASSWORD = "pw-{MARKER}"\n        DB_PASSWORD_FILE = "/run/pw"\n      }}'))
    web = result.doc["services"]["web"]
    assert web["secrets"] == [{"secret": "db-password", "env": "DB_PASSWORD"}]
    assert web["env"] == {"DB_PASSWORD_FILE": "/run/pw"}
    assert result.doc["secrets"] == {"db-password": {"from_env": "DB_PASSWORD"}}
    text = write_spec(result)
    assert MARKER not in text and MARKER not in " ".join(map(str, result.losses))
    assert MARKER not in str(result.comments)


def test_nomad_import_checks_liveness_readiness_and_script() -> None:
    body = ('    network {\n      mode = "bridge"\n      port "http" {\n        to = 8080\n      }\n    }\n'
            '    service {\n      name = "web"\n      port = "http"\n'
            '      check {\n        type = "http"\n        path = "/ready"\n        interval = "5s"\n'
            '        timeout = "2s"\n      }\n'
            '      check {\n        type = "script"\n        command = "/bin/check"\n        args = ["-q"]\n'
            '        interval = "30s"\n        timeout = "5s"\n        check_restart {\n          limit = 2\n'
            '          grace = "1m30s"\n        }\n      }\n    }')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    assert result.doc["services"]["web"]["health"] == {
        "readiness": {"http": {"port": "http", "path": "/ready"}, "interval": "5s", "timeout": "2s"},
        "liveness": {"exec": ["/bin/check", "-q"], "interval": "30s", "timeout": "5s", "retries": 2,
                     "start_period": "1m30s"}}
    assert result.doc["services"]["web"]["ports"] == [{"name": "http", "port": 8080}]


def test_nomad_import_ports_static_and_order_of_registrations() -> None:
    body = ('    network {\n      mode = "bridge"\n      port "admin" {\n        to = 9000\n      }\n'
            '      port "http" {\n        static = 80\n        to = 8080\n      }\n    }\n'
            '    service {\n      port = "http"\n    }\n    service {\n      port = "admin"\n    }')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    assert result.doc["services"]["web"]["ports"] == [
        {"name": "http", "port": 8080, "publish": True, "published_port": 80}, {"name": "admin", "port": 9000}]


def test_nomad_import_update_placement_scaling() -> None:
    body = ('    update {\n      max_parallel = 2\n      canary = 1\n      auto_promote = false\n'
            '      min_healthy_time = "30s"\n      healthy_deadline = "10m"\n      progress_deadline = "20m"\n'
            '      health_check = "task_states"\n    }\n'
            '    constraint {\n      attribute = "${meta.zone}"\n      value = "eu-1"\n    }\n'
            '    constraint {\n      operator = "distinct_hosts"\n      value = "true"\n    }\n'
            '    constraint {\n      attribute = "${attr.cpu.arch}"\n      operator = "regexp"\n'
            '      value = "amd64|arm64"\n    }\n'
            '    spread {\n      attribute = "${meta.rack}"\n    }\n'
            '    scaling {\n      min = 2\n      max = 8\n      policy {\n        check "cpu" {\n'
            '          source = "nomad-apm"\n          query = "avg_cpu"\n          strategy "target-value" {\n'
            '            target = 60\n          }\n        }\n      }\n    }')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    web = result.doc["services"]["web"]
    assert web["update"] == {"parallelism": 2, "wait_healthy": False, "min_ready": "30s", "deadline": "10m"}
    assert web["placement"] == {"constraints": {"zone": "eu-1"}, "spread": ["kubernetes.io/hostname", "rack"]}
    assert web["autoscale"] == {"min": 2, "max": 8, "cpu_target": 60} and "replicas" not in web
    lost = {loss.path: loss for loss in result.losses}
    assert lost["job.web.group.web.update: auto_promote"].kind == "changed"
    assert lost["job.web.group.web.constraint: ${attr.cpu.arch}"].line == 20


def test_nomad_import_periodic_and_batch_restart() -> None:
    body = ('  type = "batch"\n  periodic {\n    crons = ["0 1 * * *", "0 13 * * *"]\n    enabled = false\n  }\n'
            '  group "nightly" {\n    count = 2\n    restart {\n      attempts = 0\n      mode = "fail"\n    }\n'
            '    reschedule {\n      attempts = 4\n    }\n    task "run" {\n      driver = "docker"\n'
            '      config {\n        image = "a"\n      }\n    }\n  }')
    result = imp(job(body))
    assert result.doc["cron_jobs"] == {"web": {"image": "a", "parallelism": 2, "completions": 2, "retries": 4,
                                               "schedule": "0 1 * * *", "concurrency": "allow", "suspend": True}}
    assert "job.web.periodic: crons" in paths(result)


def test_nomad_import_non_docker_driver_is_lost_with_its_line() -> None:
    files = job('  group "a" {\n    task "a" {\n      driver = "java"\n      config {\n        jar_path = "x.jar"\n'
                '      }\n    }\n  }\n' + '  group "b" {\n    task "b" {\n      driver = "docker"\n      config {\n'
                '        image = "b"\n      }\n    }\n  }')
    result = imp(files)
    assert sorted(result.doc["services"]) == ["b"]
    driver = [loss for loss in result.losses if loss.path.endswith(": driver")]
    assert [(x.file, x.line) for x in driver] == [("web.nomad", 3)]


def test_nomad_import_unknown_blocks_are_lost_with_their_line() -> None:
    files = {"a.nomad": 'locals {\n  x = 1\n}\njob "web" {\n  group "web" {\n    task "web" {\n'
                        '      driver = "docker"\n      csi_plugin {\n        id = "x"\n      }\n'
                        '      config {\n        image = "a"\n      }\n    }\n  }\n}\n'}
    result = imp(files)
    assert {(x.path, x.line) for x in result.losses} >= {("locals", 1), ("job.web.group.web.task.web.csi_plugin", 8)}


def test_nomad_import_lifecycle_tasks() -> None:
    body = ('    task "init" {\n      driver = "docker"\n      lifecycle {\n        hook = "prestart"\n      }\n'
            '      config {\n        image = "busybox"\n      }\n    }\n'
            '    task "proxy" {\n      driver = "docker"\n      lifecycle {\n        hook = "prestart"\n'
            '        sidecar = true\n      }\n      config {\n        image = "envoy"\n      }\n    }\n'
            '    task "web" {\n      driver = "docker"\n      config {\n        image = "a"\n      }\n    }')
    result = imp(job(f'  group "web" {{\n{body}\n  }}'))
    web = result.doc["services"]["web"]
    assert web["init"] == [{"name": "init", "image": "busybox"}]
    assert web["sidecars"] == [{"name": "proxy", "image": "envoy"}]
    (loss,) = [x for x in result.losses if "task.proxy" in x.path]
    assert loss.kind == "changed" and loss.spec_path == "services.web.sidecars"


def test_nomad_import_json_forms_and_several_files() -> None:
    svc = {"ID": "shop", "Type": "service", "TaskGroups": [
        {"Name": "API_Server", "Count": 2, "Tasks": [{"Name": "api", "Driver": "docker",
                                                       "Config": {"image": "api:1"}}]}]}
    batch = {"Job": {"ID": "shop-migrate", "Type": "batch", "TaskGroups": [
        {"Name": "migrate", "Tasks": [{"Name": "m", "Driver": "docker", "Config": {"image": "m:1"},
                                        "Resources": {"CPU": 250, "MemoryMB": 64}}]}]}}
    result = imp({"jobs/a.json": json.dumps(svc), "jobs/b.json": json.dumps(batch, indent=2)}, name="store")
    assert result.doc["metadata"] == {"name": "store"}
    assert result.doc["services"]["api-server"]["replicas"] == 2
    assert result.doc["jobs"]["shop-migrate"]["resources"] == {"requests": {"cpu": "250m", "memory": "64Mi"}}
    assert result.doc["jobs"]["shop-migrate"]["restart"] == "on-failure"  # Nomad's batch default: 3 restarts
    renamed = [x for x in result.losses if "API_Server" in x.path and "becomes" in x.message]
    assert renamed and renamed[0].kind == "changed"
    cpu = [x for x in result.losses if x.path.endswith("resources: cpu")]
    assert cpu and cpu[0].kind == "changed" and cpu[0].line == 16  # "CPU" is in the object opened on line 16


def test_nomad_import_system_job_is_a_per_node_service() -> None:
    # A system job runs one allocation of each group on every eligible client: the spec's per_node mode.
    text = group('      config {\n        image = "a"\n      }', "    count = 1")["web.nomad"]
    result = imp({"web.nomad": text.replace('job "web" {', 'job "web" {\n  type = "system"')})
    web = result.doc["services"]["web"]
    assert web["mode"] == "per_node" and "replicas" not in web
    assert not [x for x in result.losses if x.path == "job.web: type"]


def test_nomad_import_system_job_count_is_reported() -> None:
    text = group('      config {\n        image = "a"\n      }', "    count = 3")["web.nomad"]
    result = imp({"web.nomad": text.replace('job "web" {', 'job "web" {\n  type = "system"')})
    assert result.doc["services"]["web"]["mode"] == "per_node" and "replicas" not in result.doc["services"]["web"]
    assert [x.spec_path for x in result.losses if x.path == "job.web.group.web: count"] == ["services.web.replicas"]


@pytest.mark.parametrize("files, where", [
    ({"a.nomad": 'job "x" {\n  group "g" {\n    count = \n  }\n}\n'}, "a.nomad:3:"),
    ({"a.nomad": f'job "x" {{\n  env = "{MARKER}\n}}\n'}, "a.nomad:2:"),
    ({"a.json": '{"Job": {"ID": "x",\n  "TaskGroups": [}\n'}, "a.json:2:18"),
    ({"a.json": '{"kind": "Deployment"}'}, "a.json: not a Nomad job"),
    ({"a.nomad": 'variable "x" {}\n'}, "no Nomad job found"),
    ({"a.nomad": "job \"x\" {\n" + "  # padding\n" * 100_000 + "}\n"}, "over 1 MiB"),
    ({"a.json": '{"Job": {"TaskGroups": ' + "[" * 50_000 + "]" * 50_000 + "}}"}, "nested too deeply"),
])
def test_nomad_import_bad_input_is_one_clear_error(files: dict[str, str], where: str) -> None:
    with pytest.raises(InputError) as info:
        IMPORTER.import_files(list(files), MemorySources(files), name=None, environ={})
    assert where in str(info.value)
    assert MARKER not in str(info.value) and "Traceback" not in str(info.value)


def _doc_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _doc_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _doc_strings(v)]
    return [value] if isinstance(value, str) else []


def test_nomad_import_both_forms_of_a_job_count_once() -> None:
    from golden_cases import case_dirs, load_case
    from crossdock.translators import base as translators
    case = next(c for c in case_dirs() if c.name == "example-shop")
    files = translators.get("nomad").translate(load_case(case)).files
    result = imp(files)  # .nomad.hcl and .nomad.json of each job
    assert sorted(result.doc["services"]) == ["api", "cache", "web"] and len(result.sources) == 6
    assert not [loss for loss in result.losses if "second" in loss.message]  # the two forms agree
    assert not any("\x00" in s or "__line__" in s for s in _doc_strings(result.doc))
    assert "__line__" not in json.dumps(result.doc)


def test_nomad_import_renamed_port_labels_keep_their_checks_and_route() -> None:
    body = ('    network {\n      mode = "bridge"\n      port "HTTP_Main" {\n        to = 8080\n      }\n'
            '      port "http-main" {\n        to = 9090\n      }\n    }\n'
            '    service {\n      port = "HTTP_Main"\n'
            '      tags = ["traefik.http.routers.x.rule=Host(`a.example.com`) && PathPrefix(`/api`)"]\n'
            '      check {\n        type = "tcp"\n        interval = "10s"\n        timeout = "1s"\n      }\n    }')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    web = result.doc["services"]["web"]
    assert web["ports"] == [{"name": "http-main", "port": 8080}, {"name": "http-main-2", "port": 9090}]
    assert web["health"] == {"readiness": {"tcp": {"port": "http-main"}}}
    assert web["route"] == {"host": "a.example.com", "port": "http-main", "path": "/api"}
    renamed = sorted(x.message for x in result.losses if "network.port" in x.path)
    assert renamed == ["port name becomes 'http-main'", "port name becomes 'http-main-2'"]


def test_nomad_import_values_the_spec_cannot_take_are_reported() -> None:
    body = ('    meta {\n      tier = "web"\n      note = "two words"\n    }\n'
            '    constraint {\n      attribute = "${node.class}"\n      value = "edge"\n    }')
    task = '      config {\n        image = "a"\n      }\n      env = {\n        "JAVA.OPTS" = "-Xmx1g"\n      }'
    result = imp(group(task, body))
    web = result.doc["services"]["web"]
    assert web["labels"] == {"tier": "web"} and "placement" not in web
    # A dotted env name is a container env name the spec takes (EnvKey): carried, not reported.
    assert web["env"] == {"JAVA.OPTS": "-Xmx1g"}
    lines = {x.path: x.line for x in result.losses}
    assert lines["job.web.group.web.meta.note"] == 5
    assert lines["job.web.group.web.constraint: ${node.class}"] == 7
    assert "job.web.group.web.task.web.env.JAVA.OPTS" not in lines


def test_nomad_import_cron_with_seconds_or_year() -> None:
    body = ('  type = "batch"\n  periodic {\n    crons = ["0 */5 * * * * *", "15 3 * * * *", "*/10 * * * * * 2030"]\n'
            '  }\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config {\n        image = "a"\n'
            '      }\n    }\n  }')
    result = imp(job(body))
    assert result.doc["cron_jobs"]["web"]["schedule"] == "*/5 * * * *"
    crons = sorted(x.message.split("'")[1] for x in result.losses if x.path == "job.web.periodic: crons")
    assert crons == ["*/10 * * * * * 2030", "15 3 * * *"]  # unusable, and the second schedule


def test_nomad_import_values_the_spec_refuses_are_removed_and_reported() -> None:
    tmpl = ('      template {\n        data = "{{ with nomadVar \\"nomad/jobs/web\\" }}{{ .k }}{{ end }}"\n'
            '        destination = "secrets/x"\n      }')
    body = '    network {\n      mode = "bridge"\n      port "http" {\n        to = 70000\n      }\n    }'
    result = imp(group('      config {\n        image = "a"\n      }\n' + tmpl, body))
    assert "ports" not in result.doc["services"]["web"]  # 70000 is not a port
    (loss,) = [x for x in result.losses if x.path.startswith("spec services.web.ports")]
    assert loss.file == "web.nomad" and loss.spec_path.startswith("services.web.ports")


def test_nomad_import_registration_name_is_an_alias_and_tags_are_reported() -> None:
    """Other jobs find the group as 'frontdoor' (not web-web, the name the Nomad translator would
    give it): the name stays reachable as an alias."""
    body = ('    network {\n      port "http" {\n        to = 80\n      }\n    }\n'
            '    service {\n      name = "frontdoor"\n      port = "http"\n      tags = ["urlprefix-/", "v2"]\n    }')
    result = imp(group('      config {\n        image = "a"\n      }', body))
    lost = {x.path: x for x in result.losses}
    assert result.doc["services"]["web"]["aliases"] == ["frontdoor"]
    assert "job.web.group.web.service[0]: name" not in lost
    assert "urlprefix-/, v2" in lost["job.web.group.web.service[0]: tags"].message
    assert lost["job.web.group.web.service[0]: tags"].line == 8  # the service block
    assert lost["job.web.group.web.network: mode"].kind == "changed"  # host networking (the default)


def test_nomad_import_template_destinations() -> None:
    tmpl = ('      template {{\n        data = "x"\n        destination = "{}"\n      }}\n')
    task = '      config {\n        image = "a"\n      }\n' + "".join(
        tmpl.format(d) for d in ("./local/a.conf", "${NOMAD_SECRETS_DIR}/b.conf", "etc/c.conf"))
    result = imp(group(task))
    assert [f["path"] for f in result.doc["services"]["web"]["files"]] == ["/local/a.conf", "/secrets/b.conf",
                                                                          "/etc/c.conf"]
    assert [(x.path, x.kind) for x in result.losses] == [("job.web.group.web.task.web.template[2]: destination",
                                                          "changed")]
