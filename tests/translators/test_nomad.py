"""The Nomad translator: both forms of every job are the same job, every string arrives
unchanged, each spec feature maps to the jobspec construct Nomad documents, and what Nomad
cannot express is reported.

Expected values come from Nomad's documentation, not from the translator: durations in the
JSON form are nanoseconds (JSON job specification), template perms are octal strings, the
docker driver's entrypoint/args, ports with ``static``/``to`` (network block), periodic
``crons``, ``check_restart`` on a liveness check, the Nomad Autoscaler's ``nomad-apm`` query
``avg_cpu-allocated`` with the ``target-value`` strategy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from checkers.nomad_hcl import UnknownField, go_duration_ns, hcl_string, hcl_to_api
from crossdock.specs.loader import LoadedSpec, load
from crossdock.translators.base import Bundle
from crossdock.translators.filters import hcl_scalar, yaml_scalar
from crossdock.translators.nomad import hcl
from crossdock.translators.nomad.translator import NomadTranslator
from golden_cases import case_dirs, load_case

HOSTILE = ["", "on", "no", "y", "~", "null", "0755", "1e3", "- x", "* x", "& x", "! x", "a: b", "# c", "'", '"',
           "\\", "\\n", "\n", "\r\n", "\t", "{{ x }}", "{{", "}}", "{{-", "{{\"{{\"}}", "$", "$$", "$(X)",
           "%{ if x }", "%%{", "$${x}", "é 😀 中文", "\u2028", "\x7f", "`tick`", "[a]", "{a: b}", " pad "]


def _translate(text: str, environ: dict[str, str] | None = None) -> Bundle:
    spec = load("app.yaml", text=text, environ=environ or {})
    return NomadTranslator().translate(spec)


def _jobs(bundle: Bundle) -> dict[str, dict[str, Any]]:
    return {path.removeprefix("nomad/").removesuffix(".nomad.json"): json.loads(text)["Job"]
            for path, text in bundle.files.items() if path.endswith(".json")}


def _both(bundle: Bundle, job_id: str) -> dict[str, Any]:
    """The job's JSON form, after checking its HCL form reads back as the same job."""
    job = json.loads(bundle.files[f"nomad/{job_id}.nomad.json"])["Job"]
    assert hcl_to_api(bundle.files[f"nomad/{job_id}.nomad.hcl"]) == job
    return job


def _spec(services: str = "", extra: str = "", metadata: str = "{name: app}") -> str:
    return f"apiVersion: crossdock/v1\nkind: App\nmetadata: {metadata}\n{extra}" + (
        f"services:\n{services}" if services else "")


def _group(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in job["TaskGroups"] if g["Name"] == name)


def _task(group: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in group["Tasks"] if t["Name"] == name)


def _warnings(bundle: Bundle) -> list[str]:
    return [str(w) for w in bundle.warnings]


def render_template_literal(data: str) -> str:
    """What consul-template prints for data written by go_template_literal: literal text,
    ``{{"{{"}}`` actions and comments; any other action fails the test."""
    out, i = [], 0
    while i < len(data):
        j = data.find("{{", i)
        if j < 0:
            out.append(data[i:])
            break
        out.append(data[i:j])
        if data.startswith('{{"{{"}}', j):
            out.append("{{")
            i = j + len('{{"{{"}}')
        elif data.startswith("{{/*", j):
            i = data.index("*/}}", j) + 4
        else:
            raise AssertionError(f"live template action at {j}: {data[j:j + 20]!r}")
    return "".join(out)


# ---- both forms are the same job, for every golden case ------------------------------------------

GOLDEN = [(case, path) for case in case_dirs() for path in sorted(
    p for p in NomadTranslator().translate(load_case(case)).files if p.endswith(".hcl"))]


@pytest.mark.parametrize(("case", "path"), GOLDEN, ids=[f"{c.name}:{Path(p).name}" for c, p in GOLDEN])
def test_golden_hcl_equals_json(case: Path, path: str) -> None:
    files = NomadTranslator().translate(load_case(case)).files
    assert hcl_to_api(files[path]) == json.loads(files[path.removesuffix(".hcl") + ".json"])["Job"]


def test_golden_json_passes_nomad_api_types() -> None:
    from checkers.nomad import check_job_json
    texts = [text for case in case_dirs() for path, text in NomadTranslator().translate(load_case(case)).files.items()
             if path.endswith(".json")]
    try:
        problems = check_job_json(texts)
    except RuntimeError as e:  # no Go toolchain to build the checker
        pytest.skip(str(e))
    assert problems == []


def test_golden_hcl_parses_with_hashicorp_hcl() -> None:
    from checkers import hcl as hashicorp_hcl
    texts = [text for case in case_dirs() for path, text in NomadTranslator().translate(load_case(case)).files.items()
             if path.endswith(".hcl")]
    try:
        trees = hashicorp_hcl.parse(texts)
    except RuntimeError as e:  # no Go toolchain to build the parser
        pytest.skip(str(e))
    assert len(trees) == len(texts)


def test_hcl_to_api_notices_a_difference() -> None:
    bundle = _translate(_spec("  web:\n    image: x\n    ports: [{name: http, port: 8080}]\n"))
    text, job = bundle.files["nomad/app.nomad.hcl"], _jobs(bundle)["app"]
    assert hcl_to_api(text) == job
    assert hcl_to_api(text.replace("to = 8080", "to = 8081")) != job
    with pytest.raises(UnknownField):
        hcl_to_api(text.replace("provider", "providr"))
    with pytest.raises(UnknownField):  # a live interpolation is not a literal string
        hcl_to_api(text.replace('"bridge"', '"${bridge}"'))


# ---- hostile strings ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_arrive_unchanged(value: str) -> None:
    q = yaml_scalar(value)
    text = _spec(f"  web:\n    image: x\n    command: [{q}]\n    args: [{q}, {q}]\n    env: {{V: {q}}}\n"
                 f"    files: [{{path: /etc/f, content: {q}}}]\n",
                 metadata=f"{{name: app, annotations: {{a: {q}}}}}")
    # The spec's own variable syntax: $$ is a literal $, so write what the loader will read back.
    text = text.replace("$", "$$")
    bundle = _translate(text)
    job = _both(bundle, "app")
    task = _task(_group(job, "web"), "web")
    assert task["Env"] == {"V": value}
    assert task["Config"]["entrypoint"] == [value]
    assert task["Config"]["args"] == [value, value]
    assert job["Meta"]["a"] == value
    assert render_template_literal(task["Templates"][0]["EmbeddedTmpl"]) == value


def test_hostile_strings_golden_case_round_trips() -> None:
    case = next(c for c in case_dirs() if c.name == "hostile-strings")
    spec = load_case(case)
    job = _both(NomadTranslator().translate(spec), "hostile")
    web = spec.app.services["web"]
    task = _task(_group(job, "web"), "web")
    assert task["Env"] == web.env
    assert task["Config"]["args"] == web.args and task["Config"]["entrypoint"] == web.command
    assert [render_template_literal(t["EmbeddedTmpl"]) for t in task["Templates"]] == [f.content for f in web.files]
    assert {k: job["Meta"][k] for k in spec.app.metadata.annotations} == spec.app.metadata.annotations


def test_json_form_is_readable_sorted_json() -> None:
    # The register request as people read it in a review: keys sorted, two-space indents, text
    # as UTF-8 (no \\u escapes of non-ASCII), one trailing newline.
    case = next(c for c in case_dirs() if c.name == "hostile-strings")
    spec = load_case(case)
    texts = [t for p, t in NomadTranslator().translate(spec).files.items() if p.endswith(".json")]
    assert texts
    for text in texts:
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    joined = "".join(texts)
    wide = [v for v in spec.app.services["web"].env.values() if any(ord(c) > 0xFFFF for c in v)]
    assert wide and all(json.dumps(v, ensure_ascii=False) in joined for v in wide)
    assert "\\ud83d" not in joined.lower()


@pytest.mark.parametrize("value", HOSTILE)
def test_hcl_filter_reads_back(value: str) -> None:
    assert hcl_string(hcl_scalar(value)) == value


def test_hcl_filter_reads_back_with_hashicorp_hcl() -> None:
    from checkers import hcl as hashicorp_hcl
    try:
        trees = hashicorp_hcl.parse([f"k = {hcl_scalar(v)}\n" for v in HOSTILE])
    except RuntimeError as e:  # no Go toolchain to build the parser
        pytest.skip(str(e))
    assert [t["attributes"]["k"] for t in trees] == HOSTILE


# ---- mapping ------------------------------------------------------------------------------------

def test_mapping_layout_one_service_job_and_one_batch_job_each() -> None:
    bundle = _translate(_spec("  web: {image: x}\n", extra="jobs: {migrate: {image: y}}\n"
                              "cron_jobs: {nightly: {image: z, schedule: '0 3 * * *'}}\n"))
    assert sorted(bundle.files) == sorted(f"nomad/{j}.nomad.{e}" for j in ("app", "app-migrate", "app-nightly")
                                          for e in ("hcl", "json"))
    assert bundle.primary == "nomad/app.nomad.hcl"
    jobs = _jobs(bundle)
    assert (jobs["app"]["Type"], jobs["app-migrate"]["Type"], jobs["app-nightly"]["Type"]) == \
        ("service", "batch", "batch")
    assert jobs["app"]["Meta"] == {"managed-by": "crossdock", "app": "app"}
    assert jobs["app-nightly"]["Periodic"] == {"Specs": ["0 3 * * *"], "ProhibitOverlap": True, "Enabled": True}
    assert jobs["app"]["Datacenters"] == ["*"]
    assert bundle.files["nomad/app.nomad.json"].startswith('{\n  "Job": {')


def test_mapping_ports_and_network() -> None:
    job = _both(_translate(_spec("  web:\n    image: x\n    ports:\n      - {name: http, port: 8080, publish: true, "
                                 "published_port: 80}\n      - {name: admin, port: 9000}\n")), "app")
    group = _group(job, "web")
    assert group["Networks"] == [{"Mode": "bridge", "ReservedPorts": [{"Label": "http", "Value": 80, "To": 8080}],
                                  "DynamicPorts": [{"Label": "admin", "To": 9000}]}]
    assert _task(group, "web")["Config"]["ports"] == ["http", "admin"]
    assert [(s["Name"], s["PortLabel"], s["Provider"]) for s in group["Services"]] == \
        [("app-web", "http", "nomad"), ("app-web-admin", "admin", "nomad")]


def test_mapping_checks() -> None:
    job = _both(_translate(_spec("""  web:
    image: x
    ports: [{name: http, port: 8080}]
    health:
      readiness: {http: {path: /ready, port: 8080}, interval: 2s, timeout: 1s}
      liveness: {tcp: {port: http}, interval: 10s, timeout: 3s, retries: 4, start_period: 20s}
      startup: {tcp: {port: http}, interval: 5s, retries: 6, start_period: 10s}
""")), "app")
    ready, live = _group(job, "web")["Services"][0]["Checks"]
    assert ready == {"Name": "readiness", "Type": "http", "Path": "/ready", "PortLabel": "http",
                     "Interval": 2 * 10**9, "Timeout": 10**9}
    # grace = liveness start period + the startup probe's window (10s + 6 x 5s)
    assert live == {"Name": "liveness", "Type": "tcp", "PortLabel": "http", "Interval": 10 * 10**9,
                    "Timeout": 3 * 10**9, "CheckRestart": {"Limit": 4, "Grace": 60 * 10**9}}


@pytest.mark.parametrize("path, rendered", [
    ("/ready?x=%20&y={z}#f", "/ready?x=%20&y={z}#f"),  # valid URL syntax: unchanged
    ("/a%zz/100%", "/a%25zz/100%25"),  # Go's url.Parse: invalid URL escape "%zz"
    ("/a\x01b\x7f", "/a%01b%7F"),  # net/url: invalid control character in URL
    ("//h:x/p", "/%2Fh:x/p"),  # a leading // is read as a host, here with an invalid port
])
def test_mapping_check_path_nomad_can_parse(path: str, rendered: str) -> None:
    bundle = _translate(_spec(f"""  web:
    image: x
    ports: [{{name: http, port: 8080}}]
    health: {{readiness: {{http: {{path: {json.dumps(path)}, port: http}}}}}}
"""))
    from checkers.nomad import check_job_json
    assert check_job_json([bundle.files["nomad/app.nomad.json"]]) == []  # Go's url.Parse takes it
    assert _both(bundle, "app")["TaskGroups"][0]["Services"][0]["Checks"][0]["Path"] == rendered
    notes = [w for w in _warnings(bundle) if "not a valid URL path" in w]
    assert notes == ([] if rendered == path else [
        f"nomad: services.web.health.readiness.http.path: Nomad refuses a check path that is not a valid URL "
        f"path: rendered as {rendered!r}, which a server decodes to the same path"])


def test_mapping_update_scaling_restart() -> None:
    job = _both(_translate(_spec("""  web:
    image: x
    autoscale: {min: 2, max: 5, cpu_target: 60}
    update: {parallelism: 2, surge: 0, wait_healthy: false, min_ready: 10s, deadline: 3m, auto_rollback: true}
""")), "app")
    group = _group(job, "web")
    assert group["Count"] == 2
    assert group["Scaling"] == {"Enabled": True, "Type": "horizontal", "Min": 2, "Max": 5, "Policy": {
        "check": [{"cpu": [{"source": "nomad-apm", "query": "avg_cpu-allocated",
                            "strategy": [{"target-value": [{"target": 60}]}]}]}]}}
    assert group["Update"] == {"MaxParallel": 2, "HealthCheck": "task_states", "MinHealthyTime": 10 * 10**9,
                               "HealthyDeadline": 180 * 10**9, "ProgressDeadline": 360 * 10**9,
                               "AutoRevert": True, "Canary": 0, "AutoPromote": False}
    assert group["RestartPolicy"]["Mode"] == "delay"


def test_mapping_resources() -> None:
    job = _both(_translate(_spec("  web:\n    image: x\n    resources: {requests: {cpu: 250m, memory: 100Mi}, "
                                 "limits: {cpu: '2', memory: 1Gi}}\n")), "app")
    assert _task(_group(job, "web"), "web")["Resources"] == {"CPU": 250, "MemoryMB": 100, "MemoryMaxMB": 1024}


def test_mapping_files_secrets_volumes() -> None:
    job = _both(_translate(_spec("""  web:
    image: x
    files: [{path: /etc/a.conf, content: "x=1", mode: 0600}]
    secrets: [{secret: pw, env: PW}, {secret: pw, path: /run/pw}]
    volumes: [{volume: data, path: /data}, {scratch: true, path: /tmp, size: 1Mi}]
""", extra="secrets: {pw: {external: true}}\nvolumes: {data: {per_replica: true}}\n")), "app")
    group = _group(job, "web")
    task = _task(group, "web")
    assert group["Volumes"] == {"data": {"Name": "data", "Type": "host", "Source": "data", "ReadOnly": False,
                                         "PerAlloc": True}}
    assert task["VolumeMounts"] == [{"Volume": "data", "Destination": "/data", "ReadOnly": False}]
    file_t, secret_t, env_t = task["Templates"]
    assert (file_t["DestPath"], file_t["Perms"], file_t["EmbeddedTmpl"]) == ("local/files/etc/a.conf", "0600", "x=1")
    assert secret_t["EmbeddedTmpl"] == '{{ with nomadVar "nomad/jobs/app" }}{{ (index . "pw").Value }}{{ end }}'
    assert env_t["Envvars"] is True
    assert 'PW={{ (index . "pw").Value | toJSON }}' in env_t["EmbeddedTmpl"]
    assert task["Config"]["mount"] == [
        {"type": "bind", "source": "local/files/etc/a.conf", "target": "/etc/a.conf", "readonly": True},
        {"type": "bind", "source": "secrets/files/run/pw", "target": "/run/pw", "readonly": True},
        {"type": "tmpfs", "target": "/tmp", "readonly": False, "tmpfs_options": [{"size": 1048576}]}]


def test_mapping_steps_placement_labels() -> None:
    job = _both(_translate(_spec("""  web:
    image: x
    init: [{name: setup, image: y, command: [a], args: [b]}]
    sidecars: [{name: proxy, image: z}]
    placement: {constraints: {disk: ssd}, spread: [zone]}
    labels: {tier: web}
""")), "app")
    group = _group(job, "web")
    assert [t["Name"] for t in group["Tasks"]] == ["setup", "web", "proxy"]
    assert _task(group, "setup")["Lifecycle"] == {"Hook": "prestart", "Sidecar": False}
    assert _task(group, "setup")["Config"] == {"image": "y", "entrypoint": ["a"], "args": ["b"]}
    assert _task(group, "proxy")["Lifecycle"] == {"Hook": "poststart", "Sidecar": True}
    assert group["Constraints"] == [{"LTarget": "${meta.disk}", "Operand": "=", "RTarget": "ssd"}]
    assert group["Spreads"] == [{"Attribute": "${meta.zone}"}]
    assert group["Meta"] == {"tier": "web"}


@pytest.mark.parametrize(("job", "restart", "reschedule"), [
    ("{image: x}", {"Attempts": 0, "Mode": "fail"}, {"Attempts": 0, "Unlimited": False}),
    ("{image: x, retries: 3}", {"Attempts": 0, "Mode": "fail"}, {"Attempts": 3, "Unlimited": False}),
    ("{image: x, retries: 3, restart: on-failure}", {"Attempts": 3, "Mode": "fail"},
     {"Attempts": 0, "Unlimited": False}),
])
def test_mapping_job_retries(job: str, restart: dict[str, Any], reschedule: dict[str, Any]) -> None:
    group = _both(_translate(_spec(extra=f"jobs: {{m: {job}}}\n")), "app-m")["TaskGroups"][0]
    assert (group["RestartPolicy"], group["ReschedulePolicy"]) == (restart, reschedule)


def test_mapping_cron_options() -> None:
    job = _both(_translate(_spec(extra="cron_jobs: {c: {image: x, schedule: '@daily', timezone: Europe/Paris, "
                                       "concurrency: allow, suspend: true}}\n")), "app-c")
    assert job["Periodic"] == {"Specs": ["@daily"], "TimeZone": "Europe/Paris", "ProhibitOverlap": False,
                               "Enabled": False}


# ---- escape hatch --------------------------------------------------------------------------------

def test_extensions_merge_into_both_forms() -> None:
    bundle = _translate(_spec("""  web:
    image: x
    x-nomad:
      group: {ShutdownDelay: 5000000000, Bogus: 1}
      task: {KillTimeout: 30000000000, Config: {labels: {a: b}}}
      other: {}
""", extra="x-nomad: {Priority: 70, Datacenters: [dc1], Nope: true}\njobs: {j: {image: y}}\n"))
    job = _both(bundle, "app")
    assert (job["Priority"], job["Datacenters"]) == (70, ["dc1"])
    assert _both(bundle, "app-j")["Priority"] == 70
    group = _group(job, "web")
    assert group["ShutdownDelay"] == 5 * 10**9 and "Bogus" not in group
    task = _task(group, "web")
    assert task["KillTimeout"] == 30 * 10**9
    assert task["Config"]["labels"] == [{"a": "b"}]  # how jobspec2 reads a block back
    assert 'kill_timeout = "30s"' in bundle.files["nomad/app.nomad.hcl"]
    text = "\n".join(_warnings(bundle))
    for path in ("x-nomad.Nope", "services.web.x-nomad.group.Bogus", "services.web.x-nomad.other"):
        assert f"nomad: {path}: " in text


@pytest.mark.parametrize(("block", "path"), [
    ("{task: oops}", "services.web.x-nomad.task"),
    ("{group: {Services: x}}", "services.web.x-nomad.group.Services"),
    ("{group: {ShutdownDelay: 5s}}", "services.web.x-nomad.group.ShutdownDelay"),
    ("{group: {TaskGroups: []}}", "services.web.x-nomad.group.TaskGroups"),
    ("{task: {Config: {a.b: 1}}}", "services.web.x-nomad.task.Config.a.b"),
])
def test_extensions_of_the_wrong_shape_are_reported_and_left_out(block: str, path: str) -> None:
    bundle = _translate(_spec(f"  web:\n    image: x\n    x-nomad: {block}\n"))
    _both(bundle, "app")
    assert any(str(w).startswith(f"nomad: {path}: ") and "not rendered" in w.message for w in bundle.warnings), \
        _warnings(bundle)


# ---- warnings ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "path", "words"), [
    (_spec("  w: {image: x, env: {A: '$${HOME}'}}\n"), "services.w.env.A", "interpolates"),
    (_spec("  w: {image: x, args: ['$${HOME}']}\n"), "services.w.args[0]", "interpolates"),
    (_spec("  w: {image: x, health: {liveness: {exec: [test]}}}\n"), "services.w.health.liveness.exec",
     "http and tcp only"),
    (_spec("  w: {image: x, ports: [{name: p, port: 1}], health: {liveness: {tcp: {port: p}, timeout: 500ms}}}\n"),
     "services.w.health.liveness.timeout", "minimum check timeout is 1s"),
    (_spec("  w: {image: x, ports: [{name: p, port: 1}], health: {readiness: {tcp: {port: p}, start_period: 5s}}}\n"),
     "services.w.health.readiness.start_period", "no initial delay"),
    (_spec("  w: {image: x, depends_on: [v]}\n  v: {image: x}\n"), "services.w.depends_on", "not rendered"),
    (_spec("  w: {image: x, restart: on-failure}\n"), "services.w.restart", "even with status 0"),
    (_spec("  w: {image: x, update: {surge: 2}}\n"), "services.w.update.surge", "canaries"),
    (_spec("  w: {image: x, update: {min_ready: 5m, deadline: 1m}}\n"), "services.w.update.deadline",
     "min_ready + deadline"),
    (_spec("  w: {image: x, init: [{name: a, image: x}, {name: b, image: x}]}\n"), "services.w.init",
     "same time"),
    (_spec("  w: {image: x, route: {host: a.example.com, port: p}, ports: [{name: p, port: 1}]}\n"),
     "services.w.route", "Traefik"),
    (_spec(extra="jobs: {j: {image: x, deadline: 1m}}\n"), "jobs.j.deadline", "not rendered"),
    (_spec(extra="jobs: {j: {image: x, completions: 5}}\n"), "jobs.j.completions", "completions"),
    (_spec(extra="cron_jobs: {c: {image: x, schedule: '@daily', concurrency: replace}}\n"),
     "cron_jobs.c.concurrency", "prohibit_overlap"),
    (_spec("  w: {image: x, secrets: [{secret: s, env: S}]}\n", extra="secrets: {s: {from_env: S}}\n"),
     "services.w.secrets[0].secret", "nomad/jobs/<job>"),
    (_spec("  w: {image: x, volumes: [{volume: v, path: /v}]}\n", extra="volumes: {v: {storage_class: ssd}}\n"),
     "volumes.v.storage_class", "not rendered"),
])
def test_warnings(spec: str, path: str, words: str) -> None:
    found = [w for w in _translate(spec, {"S": "x"}).warnings if w.path == path]
    assert found and any(words in w.message for w in found), _warnings(_translate(spec, {"S": "x"}))


def test_warnings_none_for_a_minimal_service() -> None:
    assert _warnings(_translate(_spec("  w: {image: x}\n"))) == []


# ---- units ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ns", "text"), [(0, "0s"), (10**9, "1s"), (90 * 10**9, "1m30s"), (500 * 10**6, "500ms"),
                                          (3600 * 10**9 + 1, "1h1ns"), (1500, "1us500ns")])
def test_duration_round_trip(ns: int, text: str) -> None:
    assert hcl.duration(ns) == text
    assert go_duration_ns(text) == ns


def test_render_template_literal_refuses_a_live_action() -> None:
    with pytest.raises(AssertionError):
        render_template_literal("{{ .x }}")
    assert re.fullmatch(r"\{\{\"\{\{\"\}\}", '{{"{{"}}')


def test_nomad_reports_text_that_hcl_would_normalize() -> None:
    # U+F900 is its own NFC-unstable ideograph (NFC: U+8C48); "e" + U+0301 composes to U+00E9.
    text = ("apiVersion: crossdock/v1\nkind: App\nmetadata: {name: a}\n"
            "jobs:\n  j: {image: 'crossdock-test/job:1.0', env: {A: \"\\uF900\", B: \"cafe\\u0301\", C: plain},\n"
            "      x-kubernetes: {metadata: {annotations: {k: \"\\uF900\"}}}}\n")  # not Nomad's: not reported
    bundle = NomadTranslator().translate(load("app.yaml", text=text, environ={}))
    paths = sorted(w.path for w in bundle.warnings if w.feature == "unicode")
    assert paths == ["jobs.j.env.A", "jobs.j.env.B"]
    assert "\uF900" in bundle.files["nomad/a-j.nomad.json"]  # the JSON form keeps it as written
