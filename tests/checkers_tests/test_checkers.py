"""The checkers themselves: each passes documented-valid samples and rejects broken ones."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

import checker_samples as s
from checkers import CheckFailed, kubernetes, nomad, swarm

# --- Kubernetes --------------------------------------------------------------------------


def test_kubernetes_versions_are_three_newest() -> None:
    assert kubernetes.VERSIONS == kubernetes.all_versions()[-3:]
    assert len(kubernetes.VERSIONS) == 3


def test_kubernetes_valid_samples_pass() -> None:
    docs = s.k8s_valid()
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "Job", "CronJob", "Ingress",
                                          "HorizontalPodAutoscaler", "PersistentVolumeClaim",
                                          "ConfigMap", "Secret", "StatefulSet"}
    assert kubernetes.validate(docs) == []


def _broken(kind: str, path: Sequence[str | int], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(s.k8s_doc(kind))
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


_CONTAINER: list[str | int] = ["spec", "template", "spec", "containers", 0]


@pytest.mark.parametrize(("doc", "expected"), [
    (_broken("Deployment", [*_CONTAINER, "imagePullPolcy"], "Never"),
     "Deployment/web: spec.template.spec.containers[0]: Additional properties are not allowed "
     "('imagePullPolcy' was unexpected)"),
    (_broken("Deployment", [*_CONTAINER, "ports", 0, "containerPort"], "8080"),
     "Deployment/web: spec.template.spec.containers[0].ports[0].containerPort: '8080' is not of type 'integer'"),
    (_broken("Deployment", ["spec", "replicas"], True),
     "Deployment/web: spec.replicas: True is not of type 'integer'"),
    (_broken("Service", ["spec", "ports", 0, "targetPort"], [80]),
     "Service/web: spec.ports[0].targetPort: [80] is not of type"),
    (_broken("CronJob", ["spec", "jobTemplate", "spec", "template", "spec", "restart"], "Never"),
     "CronJob/nightly: spec.jobTemplate.spec.template.spec: Additional properties are not allowed"),
    (_broken("Ingress", ["apiVersion"], "networking.k8s.io/v1beta1"),
     "has no kind Ingress in apiVersion networking.k8s.io/v1beta1"),
    (_broken("HorizontalPodAutoscaler", ["apiVersion"], "autoscaling/v2beta2"),
     "has no kind HorizontalPodAutoscaler in apiVersion autoscaling/v2beta2"),
    (_broken("ConfigMap", ["data", "n"], 1), "ConfigMap/web-config: data.n: 1 is not of type 'string'"),
    (_broken("Job", ["spec", "template", "spec", "containers"], None), "Job/migrate: spec.template.spec"),
    ({"kind": "Secret", "metadata": {"name": "x"}}, "Secret/x: apiVersion and kind must both be strings"),
])
def test_kubernetes_invalid_document_fails_in_every_version(doc: dict[str, Any], expected: str) -> None:
    errors = kubernetes.validate([doc])
    for version in kubernetes.VERSIONS:
        assert any(e.startswith(f"v{version} ") and expected in e for e in errors), errors


def test_kubernetes_reports_every_error_of_a_document() -> None:
    doc = _broken("Deployment", [*_CONTAINER, "bogus"], 1)
    doc["spec"]["bogus2"] = 2
    assert len(kubernetes.validate([doc], versions=kubernetes.VERSIONS[-1:])) == 2


@pytest.mark.parametrize(("doc", "expected"), [
    (_broken("Deployment", ["metadata", "name"], "Web"), "metadata.name: 'Web': not a valid DNS-1123 subdomain"),
    (_broken("Service", ["metadata", "name"], "1web"), "metadata.name: '1web': not a valid DNS-1035 label"),
    (_broken("CronJob", ["metadata", "name"], "n" * 53), "must be no more than 52 characters"),
    (_broken("Deployment", [*_CONTAINER, "name"], "web_1"), "containers[0].name: 'web_1': not a valid DNS-1123 label"),
    (_broken("Deployment", [*_CONTAINER, "ports", 0, "name"], "http-metrics-port"),
     "containers[0].ports[0].name: 'http-metrics-port': not a valid port name"),
    (_broken("Deployment", [*_CONTAINER, "resources", "limits", "cpu"], "lots"),
     "containers[0].resources.limits.cpu: 'lots': not a valid quantity"),
    (_broken("PersistentVolumeClaim", ["spec", "resources", "requests", "storage"], "1 GB"),
     "spec.resources.requests.storage: '1 GB': not a valid quantity"),
    (_broken("Deployment", ["metadata", "labels", "app"], "a b"), "metadata.labels.app: 'a b': not a valid label value"),
    (_broken("Deployment", ["spec", "template", "spec", "nodeSelector"], {"zone": "a: b"}),
     "spec.template.spec.nodeSelector.zone: 'a: b': not a valid label value"),
    (_broken("Deployment", ["spec", "template", "metadata", "labels", "-x"], "y"),
     "spec.template.metadata.labels.-x: '-x': not a valid label key"),
])
def test_kubernetes_api_server_rule_fails(doc: dict[str, Any], expected: str) -> None:
    errors = kubernetes.validate([doc], versions=kubernetes.VERSIONS[-1:])
    assert any(expected in e and e.endswith("(API server rule)") for e in errors), errors


def test_kubernetes_fifteen_docs_three_versions_is_fast() -> None:
    docs = (s.k8s_valid() * 2)[:15]
    kubernetes.validate(docs)  # warm the caches
    started = time.perf_counter()
    assert kubernetes.validate(docs) == []
    assert time.perf_counter() - started < 0.5  # measured ~0.04 s on 2 cores


@pytest.mark.parametrize("kind", ["Deployment", "Service", "CronJob", "HorizontalPodAutoscaler"])
def test_kubernetes_agrees_with_package(kind: str) -> None:
    good, bad = s.k8s_doc(kind), _broken(kind, ["spec", "unknownField"], 1)
    for version in kubernetes.VERSIONS:
        kubernetes_validate.validate(good, version, strict=True)
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(bad, version, strict=True)
        assert kubernetes.validate([good], [version]) == []
        assert kubernetes.validate([bad], [version]) != []


# --- Swarm -------------------------------------------------------------------------------


def test_swarm_valid_stack_loads_and_interpolates() -> None:
    config = swarm.stack_config(s.STACK_VALID)
    web = config["services"]["web"]
    assert web["command"] == ["sh", "-c", "echo $HOME"]
    assert web["environment"] == {"MODE": "on", "PRICE": "$5"}
    assert web["ports"] == [{"mode": "host", "target": 8080, "published": 8080, "protocol": "tcp"}]
    assert config["services"]["migrate"]["deploy"]["mode"] == "replicated-job"
    assert config["configs"]["web_config"] == {"file": "./app.conf"}
    assert web["configs"] == [{"source": "web_config", "target": "/etc/web/app.conf", "mode": 0o440}]


def test_swarm_hostile_strings_round_trip() -> None:
    env = {f"V{i}": v.replace("$", "$$") for i, v in enumerate(s.HOSTILE_STRINGS)}
    stack = {"version": "3.8", "services": {"w": {"image": "a:1", "environment": env, "labels": env}}}
    config = swarm.stack_config(json.dumps(stack))  # JSON is YAML
    expected = dict(enumerate(s.HOSTILE_STRINGS))
    service = config["services"]["w"]
    assert {int(k[1:]): v for k, v in service["environment"].items()} == expected
    assert {int(k[1:]): v for k, v in service["labels"].items()} == expected


_PORT = "{target: 8080, published: 8080, protocol: tcp, mode: host}"


@pytest.mark.parametrize(("old", "new", "expected"), [
    (_PORT, '{target: 8080, published: "8080"}', "services.web.ports.0.published must be a integer"),
    ("    image: local/web:1.0\n", "    image: local/web:1.0\n    bogus: 1\n",
     "services.web Additional property bogus is not allowed"),
    ("    image: local/web:1.0\n", "    image: local/web:1.0\n    cpus: 0.5\n",
     "services.web Additional property cpus is not allowed"),
    ("    image: local/web:1.0\n", "    image: 5\n", "services.web.image must be a string"),
    ("timeout: 2s", "timeout: 2 seconds", "services.web.healthcheck.timeout Does not match format 'duration'"),
    ("memory: 128M", "memory: lots", "invalid size: 'lots'"),
    ('PRICE: "$$5"', 'PRICE: "${5"', "invalid interpolation format for services.web.environment.PRICE"),
    ("    image: local/web:1.0\n", "    image: local/web:1.0\n    build: .\n",
     "services.web.build: docker stack deploy ignores this key"),
    ("    image: local/web:1.0\n", "    image: local/web:1.0\n    restart: always\n",
     "services.web.restart: docker stack deploy ignores this key"),
    ("    image: local/web:1.0\n", "    image: local/web:1.0\n    container_name: web\n",
     "services.web.container_name: docker stack deploy ignores this key"),
    ("source: api_key, target", "source: api_keys, target", "secret 'api_keys' is not declared"),
    ("networks: [backend]", "networks: [front]", "network 'front' is not declared"),
    ("source: data, target", "source: date, target", "volume 'date' is not declared"),
])
def test_swarm_invalid_stack_fails(old: str, new: str, expected: str) -> None:
    assert old in s.STACK_VALID
    with pytest.raises(CheckFailed, match=None) as failure:
        swarm.stack_config(s.STACK_VALID.replace(old, new, 1))
    assert expected in str(failure.value)


def test_swarm_ignored_keys_allowed_on_request() -> None:
    stack = s.STACK_VALID.replace("    image: local/web:1.0\n", "    image: local/web:1.0\n    build: .\n", 1)
    assert "build" in swarm.stack_config(stack, allow_ignored=True)["services"]["web"]


def test_swarm_missing_docker_names_install_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="apt-get install -y docker.io"):
        swarm.stack_config(s.STACK_VALID)


# --- Nomad -------------------------------------------------------------------------------


def test_nomad_valid_jobs_pass() -> None:
    assert nomad.check_job_json([s.dumps(s.nomad_service_job()), s.dumps(s.nomad_periodic_job())]) == []


def _service(change: Callable[[dict[str, Any]], None]) -> str:
    job = s.nomad_service_job()
    change(job["Job"])
    return s.dumps(job)


def _set(path: Sequence[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(job: dict[str, Any]) -> None:
        node: Any = job
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


_GROUP: list[str | int] = ["TaskGroups", 0]
_TASK: list[str | int] = [*_GROUP, "Tasks", 1]


@pytest.mark.parametrize(("text", "expected"), [
    (_service(_set([*_GROUP, "Cuont"], 2)),
     'Job.TaskGroups[0]: unknown field "Cuont" in TaskGroup (did you mean "Count"?)'),
    (_service(_set([*_GROUP, "Count"], "2")),
     'Job.TaskGroups[0].Count: expected an integer, got the string "2"'),
    (_service(_set([*_GROUP, "Count"], 2.5)), "Job.TaskGroups[0].Count: expected an integer, got 2.5"),
    (_service(_set([*_GROUP, "Services", 0, "Checks", 0, "Interval"], "10s")),
     "Job.TaskGroups[0].Services[0].Checks[0].Interval: expected an integer (a duration: integer nanoseconds"),
    (_service(_set([*_GROUP, "count"], 2)), 'did you mean "Count"? field names are case-sensitive'),
    (_service(_set([*_TASK, "Templates", 0, "Destination"], "x")),
     'Job.TaskGroups[0].Tasks[1].Templates[0]: unknown field "Destination" in Template'),
    (_service(_set([*_TASK, "Env"], ["A=b"])), "Job.TaskGroups[0].Tasks[1].Env: expected an object, got an array"),
    (_service(_set(["ID"], "")), "Job.ID: missing job ID"),
    (_service(_set(["Type"], "daemon")), 'Job.Type: invalid job type "daemon"'),
    (_service(_set([*_GROUP, "Tasks"], [])), "Job.TaskGroups[0].Tasks: missing tasks for task group"),
    (_service(_set([*_TASK, "Driver"], "")), "Job.TaskGroups[0].Tasks[1].Driver: missing task driver"),
    (_service(_set(["Periodic"], {"Spec": "0 3 * * *"})), "periodic can only be used with batch or sysbatch"),
    (_service(_set([*_GROUP, "Services", 0, "PortLabel"], "web")),
     'Job.TaskGroups[0].Services[0].PortLabel: port label "web" referenced by the service does not exist'),
    (_service(_set([*_TASK, "Config", "ports"], ["https"])), "port label https is not defined"),
    (_service(_set([*_GROUP, "Services", 0, "Checks", 0, "Interval"], 10)),
     "Checks[0].Interval: interval 10ns is below the minimum 1s"),
    (_service(_set(["Update", "MinHealthyTime"], 600_000_000_000)),
     "minimum healthy time 10m0s must be less than healthy deadline 5m0s"),
    (_service(_set([*_GROUP, "RestartPolicy", "Mode"], "always")), 'unsupported restart mode "always"'),
    (_service(_set([*_TASK, "Templates", 0, "EmbeddedTmpl"], "")), "template needs a SourcePath or a non-empty"),
    (_service(_set([*_TASK, "VolumeMounts", 0, "Volume"], "cache")), 'volume "cache" is not requested'),
    (_service(_set([*_TASK, "Config", "image"], 5)), "the docker driver needs a non-empty string image"),
    ('{"Job": null}', "Job: the register request's Job is null"),
    ("[1]", "(top level): expected a JSON object, got an array"),
    ("{", "(file): not JSON"),
])
def test_nomad_invalid_service_job_fails(text: str, expected: str) -> None:
    problems = nomad.check_job_json([text])
    assert any(p.startswith("jobs[0] ") and expected in p for p in problems), problems


@pytest.mark.parametrize(("periodic", "expected"), [
    ({"Spec": "every day"}, 'Job.Periodic.Spec: invalid cron spec "every day"'),
    ({"Spec": ""}, "Job.Periodic.Spec: periodic job has no cron spec"),
    ({"Spec": "@daily", "TimeZone": "Mars/Olympus"}, 'invalid time zone "Mars/Olympus"'),
    ({"Spec": "@daily", "Enabled": "yes"}, 'Job.Periodic.Enabled: expected true or false, got the string "yes"'),
])
def test_nomad_invalid_periodic_job_fails(periodic: dict[str, Any], expected: str) -> None:
    job = s.nomad_periodic_job()
    job["Periodic"] = periodic
    problems = nomad.check_job_json([s.dumps(job)])
    assert any(expected in p for p in problems), problems


def test_nomad_batch_reports_each_job_by_index() -> None:
    good, bad = s.dumps(s.nomad_periodic_job()), _service(_set([*_GROUP, "Cuont"], 2))
    problems = nomad.check_job_json([good, bad, good, bad])
    assert sorted({p.split(" ")[0] for p in problems}) == ["jobs[1]", "jobs[3]"]


def test_nomad_binary_is_cached() -> None:
    assert nomad.binary() == nomad.binary()
    assert nomad.binary().name.startswith("nomadcheck-")
