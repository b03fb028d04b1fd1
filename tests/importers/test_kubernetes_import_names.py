"""Names and reachability across a Kubernetes import: Services of every workload kind, Service
names that differ from their workload's (aliases), Service ports that differ from the container
port, generateName objects, names shortened for the targets' limits, secret variables.

Written from the Kubernetes API: a Service's selector matches pod labels whatever controller made
the pods (ReplicationController, ReplicaSet, bare Pod); clients reach a Service as
``<service>:<port>``; ``generateName`` is a prefix to which the API server adds random characters.
"""

from __future__ import annotations

import re

from crossdock.specs.names import NOMAD_SERVICE_MAX, SWARM_SERVICE_MAX
from test_kubernetes_import import deployment, losses, run


def service(name: str, selector: str, ports: str, kind: str = "ClusterIP") -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\n"
            f"spec:\n  type: {kind}\n  selector: {selector}\n  ports: {ports}\n")


def test_kubernetes_import_replication_controller_and_its_service() -> None:
    rc = """\
        kind: ReplicationController
        apiVersion: v1
        metadata: {name: guestbook, labels: {app: guestbook}}
        spec:
          replicas: 3
          selector: {app: guestbook}
          template:
            metadata: {labels: {app: guestbook}}
            spec:
              containers:
                - name: guestbook
                  image: registry.k8s.io/guestbook:v3
                  ports: [{name: http-server, containerPort: 3000}]
        """
    result, app = run({"rc.yaml": rc, "svc.yaml": service(
        "guestbook", "{app: guestbook}", "[{port: 3000, targetPort: http-server}]", "LoadBalancer")})
    web = app.services["guestbook"]
    assert web.replicas == 3 and web.image == "registry.k8s.io/guestbook:v3"
    assert [(p.name, p.port, p.publish) for p in web.ports] == [("http-server", 3000, True)]
    report = losses(result)
    assert not [m for m in report if "selects no workload" in m]
    assert any("ReplicationController/guestbook: kind: changed: a ReplicationController is rendered as a Deployment"
               in m for m in report)


def test_kubernetes_import_replica_set_and_bare_pods() -> None:
    rs = """\
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: frontend}
        spec:
          replicas: 2
          selector: {matchLabels: {tier: frontend}}
          template:
            metadata: {labels: {tier: frontend}}
            spec:
              containers: [{name: main, image: "nginx:1.27"}]
        """
    pod = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: cache, labels: {role: cache}, annotations: {team: core}}
        spec:
          nodeName: node-1
          containers: [{name: redis, image: "redis:7.2", ports: [{containerPort: 6379}]}]
        """
    once = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: seed}
        spec:
          restartPolicy: OnFailure
          containers: [{name: seed, image: "example/seed:1"}]
        """
    result, app = run({"rs.yaml": rs, "pod.yaml": pod, "once.yaml": once,
                       "s1.yaml": service("frontend", "{tier: frontend}", "[{port: 80, targetPort: 80}]"),
                       "s2.yaml": service("cache", "{role: cache}", "[{port: 6379}]")})
    assert app.services["frontend"].replicas == 2
    assert [p.port for p in app.services["frontend"].ports] == [80]
    cache = app.services["cache"]
    assert cache.image == "redis:7.2" and [p.port for p in cache.ports] == [6379]
    # A Pod's own fields are its controller's pod template's once rendered as a Deployment.
    assert cache.extension("kubernetes") == {"spec": {"template": {"metadata": {"annotations": {"team": "core"}},
                                                         "spec": {"nodeName": "node-1"}}}}
    # restartPolicy OnFailure: the pod runs to completion, restarted when it fails: a job.
    assert app.jobs["seed"].restart == "on-failure" and app.jobs["seed"].retries == 0
    assert not [m for m in losses(result) if "selects no workload" in m]


def test_kubernetes_import_generate_name_job() -> None:
    result, app = run({"hooks.yaml": """\
        apiVersion: batch/v1
        kind: Job
        metadata:
          generateName: upgrade-sql-schema-
          annotations: {helm.sh/hook: pre-install}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: upgrade-sql-schema, image: "alpine:3.20", command: [sleep, "5"]}]
        """})
    job = app.jobs["upgrade-sql-schema"]
    assert job.command == ["sleep", "5"]
    assert any(m.startswith("hooks.yaml:4:3: Job/upgrade-sql-schema: metadata.generateName: changed:")
               and "imported as 'upgrade-sql-schema'" in m for m in losses(result))


def test_kubernetes_import_service_name_is_an_alias() -> None:
    """kubernetes/examples vllm: Service vllm-service selects the Deployment vllm-gemma-deployment."""
    d = deployment("vllm-gemma-deployment", container="ports: [{containerPort: 8080}]\n").replace(
        "app: vllm-gemma-deployment", "app: gemma-server")
    result, app = run({"d.yaml": d, "s.yaml": service("vllm-service", "{app: gemma-server}",
                                                      "[{protocol: TCP, port: 8080, targetPort: 8080}]")})
    assert app.services["vllm-gemma-deployment"].aliases == ["vllm-service"]
    assert [p.port for p in app.services["vllm-gemma-deployment"].ports] == [8080]
    assert not [m for m in losses(result) if "vllm-service" in m]


def test_kubernetes_import_alias_taken_by_another_workload_is_reported() -> None:
    """A Service 'api' selecting the workload 'web' while a workload is named 'api': the name is the workload's."""
    result, app = run({"web.yaml": deployment("web"), "api.yaml": deployment("api"),
                       "s.yaml": service("api", "{app: web}", "[{port: 80}]")})
    assert app.services["web"].aliases == []
    assert any("the Service name 'api' is already the name or an alias of another workload" in m
               for m in losses(result))


def test_kubernetes_import_service_selecting_two_workloads_aliases_the_first() -> None:
    d1 = deployment("blue", labels=", tier: shop")
    d2 = deployment("green", labels=", tier: shop")
    result, app = run({"a.yaml": d1, "b.yaml": d2, "s.yaml": service("shop", "{tier: shop}", "[{port: 80}]")})
    assert app.services["blue"].aliases == ["shop"] and app.services["green"].aliases == []
    assert any("'green' does not answer to it" in m for m in losses(result))


def test_kubernetes_import_service_port_other_than_the_container_port_is_kept() -> None:
    """microservices-demo: Service emailservice listens on 5000, the container on 8080; callers
    keep using emailservice:5000, so the spec port is 5000 with target_port 8080."""
    email = deployment("emailservice", container="ports: [{containerPort: 8080}]\n")
    checkout = deployment("checkoutservice", container="""\
        env:
          - {name: EMAIL_SERVICE_ADDR, value: "emailservice:5000"}
        """)
    result, app = run({"a.yaml": email, "b.yaml": checkout, "s.yaml": service(
        "emailservice", "{app: emailservice}", "[{name: grpc, port: 5000, targetPort: 8080}]")})
    assert [(p.name, p.port, p.target_port) for p in app.services["emailservice"].ports] == [("grpc", 5000, 8080)]
    assert app.services["emailservice"].aliases == []  # the Service has the workload's name
    assert not [m for m in losses(result) if "spec.ports[0].port" in m]


def test_kubernetes_import_long_sidecar_and_port_names_are_shortened() -> None:
    """sock-shop's rabbitmq-exporter sidecar and cassandra's port names, under a long app name."""
    app_name = "argoproj-argocd-example-apps-sock-shop-b"
    d = deployment("rabbitmq", container="""\
        ports:
          - {name: amqp, containerPort: 5672}
          - {name: cassandra-tls-intra-node, containerPort: 7001}
        readinessProbe: {tcpSocket: {port: cassandra-tls-intra-node}}
        """, pod="""\
        initContainers:
          - {name: rabbitmq-exporter, image: "kbudde/rabbitmq-exporter:v1", restartPolicy: Always}
        """)
    result, app = run({"d.yaml": d}, name=app_name)
    again, _ = run({"d.yaml": d}, name=app_name)
    rabbit = app.services["rabbitmq"]
    (car,) = rabbit.sidecars
    assert len(f"{app_name}_rabbitmq-{car.name}") <= SWARM_SERVICE_MAX
    assert re.fullmatch(r"rabbitmq-[0-9a-f]{4}", car.name)  # a prefix of the name and a hash
    port = rabbit.ports[1]
    assert len(port.name) <= 15 and len(f"{app_name}-rabbitmq-{port.name}") <= NOMAD_SERVICE_MAX
    assert port.name.startswith("cass") and port.port == 7001
    # The probe names the port by its new name.
    assert rabbit.health is not None and rabbit.health.readiness is not None
    assert rabbit.health.readiness.tcp is not None and rabbit.health.readiness.tcp.port == port.name
    assert again.doc == result.doc  # deterministic
    report = losses(result)
    assert any(f"renamed '{car.name}'" in m for m in report)
    assert any(f"renamed '{port.name}'" in m for m in report)


def test_kubernetes_import_shortened_workload_keeps_its_service_name_as_alias() -> None:
    long = "recommendation-service-with-a-rather-long-name"
    d = deployment(long, container="ports: [{containerPort: 8080}]\n")
    result, app = run({"d.yaml": d, "s.yaml": service(long, f"{{app: {long}}}", "[{port: 8080}]")},
                      name="online-boutique-demo-shop")
    (name,) = app.services
    assert len(f"online-boutique-demo-shop_{name}") <= SWARM_SERVICE_MAX and name.startswith("recommendation")
    assert app.services[name].aliases == [long]
    assert any(f"renamed '{name}'" in m for m in losses(result))


def test_kubernetes_import_secret_variables_are_never_shell_ones() -> None:
    """A Secret named pwd would be read from $PWD, which every shell sets to the current folder."""
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: pwd}\nstringData: {value: hunter2}\n"
    d = deployment(container="""\
        env:
          - name: DB_PASSWORD
            valueFrom: {secretKeyRef: {name: pwd, key: value}}
          - {name: HOME, value: "ghp_0123456789abcdefghijABCDEFGHIJ012345"}
        """)
    result, app = run({"s.yaml": secret, "d.yaml": d})
    assert app.secrets["pwd"].from_env == "SECRET_PWD"
    homes = [s for s in app.secrets.values() if s.from_env and s.from_env.endswith("HOME")]
    assert [s.from_env for s in homes] == ["SECRET_HOME"]
    assert "hunter2" not in str(result.doc) and "ghp_" not in str(result.doc)


def test_kubernetes_import_stateful_set_pod_names_that_change_are_reported() -> None:
    """kubernetes/examples cassandra: the seeds name cassandra-0.cassandra (<pod>.<headless Service>)."""
    sts = """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: cassandra}
        spec:
          serviceName: cassandra
          selector: {matchLabels: {app: cassandra}}
          template:
            metadata: {labels: {app: cassandra}}
            spec:
              containers:
                - name: cassandra
                  image: "cassandra:4.1"
                  ports: [{name: cql, containerPort: 9042}]
                  env:
                    - {name: CASSANDRA_SEEDS, value: cassandra-0.cassandra.default.svc.cluster.local}
          volumeClaimTemplates:
            - metadata: {name: data}
              spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
        """
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {name: cassandra}\n"
           "spec:\n  clusterIP: None\n  selector: {app: cassandra}\n  ports: [{port: 9042}]\n")
    result, app = run({"sts.yaml": sts, "svc.yaml": svc})
    assert app.services["cassandra"].aliases == []
    (line,) = [m for m in losses(result) if "Service/cassandra: metadata.name" in m]
    assert "cassandra-0.cassandra-headless" in line and "(cassandra: env CASSANDRA_SEEDS)" in line


def test_kubernetes_import_objects_a_controller_made_come_through_it() -> None:
    """kubectl get all -o yaml lists a Deployment, its ReplicaSet and their Pods: one workload."""
    rs = ("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-5d4f\n"
          "  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1}]\n"
          "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
          "    spec:\n      containers: [{name: web, image: 'example/web:1.0'}]\n")
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-5d4f-x2v\n  labels: {app: web}\n"
           "  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f, uid: u2}]\n"
           "spec:\n  containers: [{name: web, image: 'example/web:1.0'}]\n")
    result, app = run({"a.yaml": deployment("web"), "b.yaml": rs, "c.yaml": pod})
    assert list(app.services) == ["web"]
    made = sorted(m for m in losses(result) if "metadata.ownerReferences" in m)
    assert len(made) == 2 and "made by Deployment/web of the manifests" in made[0]
