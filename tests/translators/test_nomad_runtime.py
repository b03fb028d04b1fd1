"""Nomad: security, working directory, host name, stop, per-node services and aliases.
Expectations follow the jobspec reference (task ``user``, ``kill_signal``, ``kill_timeout``;
docker driver ``readonly_rootfs``, ``cap_add``/``cap_drop``, ``privileged``, ``security_opt``,
``work_dir``; network ``hostname``; ``type = "system"``, whose groups take a count of at most 1,
no spread and no per_alloc volume), and every job is decoded by the API types checker."""

from __future__ import annotations

import json
from typing import Any

from checkers.nomad import check_job_json
from checkers.nomad_hcl import hcl_to_api
from crossdock.specs.loader import load
from crossdock.translators.base import Bundle
from crossdock.translators.nomad.translator import NomadTranslator


def translate(body: dict[str, Any]) -> Bundle:
    doc = {"apiVersion": "crossdock/v1", "kind": "App", "metadata": {"name": "t"}, **body}
    return NomadTranslator().translate(load("app.yaml", text=json.dumps(doc), environ={}))


def jobs(bundle: Bundle) -> dict[str, dict[str, Any]]:
    """Each job's JSON form, after checking its HCL form is the same job and the API types take it."""
    out = {}
    texts = [t for p, t in bundle.files.items() if p.endswith(".json")]
    assert check_job_json(texts) == []
    for path, text in bundle.files.items():
        if path.endswith(".json"):
            job = json.loads(text)["Job"]
            assert hcl_to_api(bundle.files[path.removesuffix(".json") + ".hcl"]) == job
            out[job["ID"]] = job
    return out


def task(job: dict[str, Any], group: str, name: str) -> dict[str, Any]:
    g = next(g for g in job["TaskGroups"] if g["Name"] == group)
    found: dict[str, Any] = next(t for t in g["Tasks"] if t["Name"] == name)
    return found


def features(bundle: Bundle) -> dict[str, str]:
    return {w.path: w.feature for w in bundle.warnings}


def test_security_becomes_task_user_and_docker_config() -> None:
    sec = {"user": 1000, "group": 2000, "read_only_root": True, "no_new_privileges": True,
           "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    bundle = translate({"services": {"web": {"image": "nginx", "security": sec, "working_dir": "/srv"}}})
    t = task(jobs(bundle)["t"], "web", "web")
    assert t["User"] == "1000:2000"
    assert {k: t["Config"][k] for k in ("readonly_rootfs", "cap_add", "cap_drop", "security_opt", "work_dir")} == {
        "readonly_rootfs": True, "cap_add": ["NET_BIND_SERVICE"], "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"], "work_dir": "/srv"}
    assert bundle.warnings == []  # NET_BIND_SERVICE is in the docker plugin's default allow_caps


def test_privileged_and_extra_capabilities_need_client_settings() -> None:
    bundle = translate({"services": {"a": {"image": "x", "security": {
        "privileged": True, "capabilities": {"add": ["NET_ADMIN", "CHOWN"]}}}}})
    config = task(jobs(bundle)["t"], "a", "a")["Config"]
    assert config["privileged"] is True and config["cap_add"] == ["NET_ADMIN", "CHOWN"]
    assert features(bundle) == {"services.a.security.privileged": "security_privileged",
                                "services.a.security.capabilities.add": "security_capabilities"}
    assert "NET_ADMIN" in str(bundle.warnings) and "CHOWN" not in str(bundle.warnings)


def test_stop_signal_and_kill_timeout_shared_by_sidecars() -> None:
    bundle = translate({"services": {"web": {"image": "x", "stop_signal": "SIGQUIT", "stop_grace_period": "45s",
                                             "sidecars": [{"name": "p", "image": "y", "working_dir": "/p"}]}}})
    job = jobs(bundle)["t"]
    main, side = task(job, "web", "web"), task(job, "web", "p")
    assert main["KillSignal"] == "SIGQUIT"
    assert main["KillTimeout"] == side["KillTimeout"] == 45 * 10**9
    assert "KillSignal" not in side and side["Config"]["work_dir"] == "/p"
    assert features(bundle) == {"services.web.stop_grace_period": "stop_grace_period"}  # above 30s


def test_hostname_on_the_bridge_network_or_the_container() -> None:
    bundle = translate({"services": {"web": {"image": "x", "hostname": "web.example.com"}},
                        "jobs": {"once": {"image": "x", "hostname": "once"}}})
    got = jobs(bundle)
    assert got["t"]["TaskGroups"][0]["Networks"][0] == {"Mode": "bridge", "Hostname": "web.example.com"}
    assert "hostname" not in task(got["t"], "web", "web")["Config"]
    assert task(got["t-once"], "once", "once")["Config"]["hostname"] == "once"


def test_per_node_service_is_a_system_job_of_its_own() -> None:
    bundle = translate({"volumes": {"cache": {"per_replica": True}}, "services": {
        "web": {"image": "x"},
        "agent": {"image": "y", "mode": "per_node", "ports": [{"name": "m", "port": 9100}],
                  "placement": {"constraints": {"disk": "ssd"}, "spread": ["zone"]},
                  "volumes": [{"volume": "cache", "path": "/c"}], "update": {"surge": 2}}}})
    got = jobs(bundle)
    assert [g["Name"] for g in got["t"]["TaskGroups"]] == ["web"]
    system = got["t-agent"]
    assert system["Type"] == "system" and system["Meta"]["workload"] == "agent"
    group = system["TaskGroups"][0]
    assert group["Count"] == 1
    assert "Spreads" not in group and "Canary" not in group["Update"]
    assert group["Constraints"] == [{"LTarget": "${meta.disk}", "Operand": "=", "RTarget": "ssd"}]
    assert group["Volumes"]["cache"]["PerAlloc"] is False
    assert group["Services"][0]["Name"] == "t-agent"
    assert {"services.agent.placement.spread", "services.agent.update.surge"} <= features(bundle).keys()


def test_only_per_node_services_make_no_service_job() -> None:
    got = jobs(translate({"services": {"agent": {"image": "y", "mode": "per_node"}}}))
    assert list(got) == ["t-agent"]


def test_aliases_are_extra_registrations() -> None:
    bundle = translate({"services": {"db": {"image": "postgres", "ports": [{"name": "pg", "port": 5432}],
                                            "aliases": ["database", "Old-DB", "my_db"]}}})
    regs = jobs(bundle)["t"]["TaskGroups"][0]["Services"]
    # the alias is the name callers use: registered as it is (lower-cased), not <app>-prefixed
    assert [(s["Name"], s["PortLabel"]) for s in regs] == [("t-db", "pg"), ("database", "pg"), ("old-db", "pg")]
    assert "not rendered" in next(w.message for w in bundle.warnings if w.path == "services.db.aliases[2]")


def test_env_names_with_dots_and_dashes_are_kept() -> None:
    bundle = translate({"services": {"es": {"image": "x", "env": {"discovery.type": "single-node", "a-b": "1"}}}})
    assert task(jobs(bundle)["t"], "es", "es")["Env"] == {"a-b": "1", "discovery.type": "single-node"}


def test_alias_naming_another_workload_is_not_registered() -> None:
    port = [{"name": "http", "port": 80}]
    bundle = translate({"services": {"a": {"image": "x", "ports": port, "aliases": ["b"]},
                                     "b": {"image": "x", "ports": port}}})
    groups = jobs(bundle)["t"]["TaskGroups"]
    assert [s["Name"] for g in groups for s in g["Services"]] == ["t-a", "t-b"]
    assert "the name of the workload 'b'" in bundle.warnings[0].message
