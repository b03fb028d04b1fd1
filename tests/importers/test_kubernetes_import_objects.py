"""translators/importers/kubernetes*.py: the objects around the controllers (Services, Ingresses,
HPAs, ConfigMaps, Secrets, claims, other kinds) -> spec fields, x-kubernetes, and the loss report."""

from __future__ import annotations

import base64

from crossdock.translators.importers.base import write_spec
from test_kubernetes_import import deployment, losses, run


def test_kubernetes_import_service_matched_by_selector() -> None:
    _, app = run({"d.yaml": deployment(container="""\
        ports:
          - {name: http, containerPort: 8080}
        """), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports:
            - {name: http, port: 8080, targetPort: http}
            - {name: metrics, port: 9100, targetPort: 9100}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-public}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports:
            - {name: http, port: 80, targetPort: http}
        """})
    ports = {p.name: p for p in app.services["web"].ports}
    assert set(ports) == {"http", "metrics"}
    assert ports["http"].port == 8080 and ports["http"].publish and ports["http"].published_port == 80
    assert ports["metrics"].port == 9100 and not ports["metrics"].publish


def test_kubernetes_import_nodeport_and_unmatched_service() -> None:
    result, app = run({"d.yaml": deployment(container="ports: [{containerPort: 80}]\n"), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{port: 8080, targetPort: 80, nodePort: 30080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ghost}
        spec:
          selector: {app: nothing-has-this}
          ports: [{port: 1}]
        """})
    [port] = app.services["web"].ports
    # in the cluster web:8080 reaches the container's 80; from outside, any node's 30080
    assert (port.port, port.target_port, port.publish, port.published_port) == (8080, 80, True, 30080)
    text = "\n".join(losses(result))
    assert "Service/ghost: spec.selector: selects no workload" in text
    assert "Service/web: spec.ports[0].port" not in text


def test_kubernetes_import_config_map_files_and_env() -> None:
    _, app = run({"cm.yaml": """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: conf}
        data:
          app.conf: "a = 1\\n"
          extra.txt: hello
          LEVEL: debug
        """, "d.yaml": deployment(container="""\
        env:
          - name: LOG
            valueFrom: {configMapKeyRef: {name: conf, key: LEVEL}}
        envFrom:
          - {configMapRef: {name: conf}, prefix: CFG_}
        volumeMounts:
          - {name: one, mountPath: /etc/app/app.conf, subPath: app.conf}
          - {name: all, mountPath: /etc/all}
        """, pod="""\
        volumes:
          - name: one
            configMap: {name: conf}
          - name: all
            configMap:
              name: conf
              defaultMode: 0400
              items: [{key: extra.txt, path: sub/extra.txt}]
        """)})
    web = app.services["web"]
    assert web.env["LOG"] == "debug" and web.env["CFG_LEVEL"] == "debug"
    files = {f.path: f for f in web.files}
    assert files["/etc/app/app.conf"].content == "a = 1\n" and files["/etc/app/app.conf"].mode is None
    assert files["/etc/all/sub/extra.txt"].content == "hello" and files["/etc/all/sub/extra.txt"].mode == 0o400


def test_kubernetes_import_secrets_are_references_never_values() -> None:
    marker = "MARKER-unit-secret-5150"
    encoded = base64.b64encode(marker.encode()).decode()
    result, app = run({"sec.yaml": f"""\
        apiVersion: v1
        kind: Secret
        metadata: {{name: creds}}
        data:
          username: {base64.b64encode(b"admin").decode()}
          password: {encoded}
        stringData:
          token: {marker}
        """, "d.yaml": deployment(container="""\
        env:
          - name: DB_PASSWORD
            valueFrom: {secretKeyRef: {name: creds, key: password}}
          - {name: API_TOKEN, value: MARKER-unit-secret-5150}
        volumeMounts:
          - {name: creds, mountPath: /run/creds, readOnly: true}
          - {name: tls, mountPath: /etc/tls/tls.crt, subPath: tls.crt}
        """, pod="""\
        volumes:
          - {name: creds, secret: {secretName: creds, items: [{key: token, path: token, mode: 0400}]}}
          - {name: tls, secret: {secretName: platform-tls}}
        """)})
    text = write_spec(result)
    report = "\n".join(losses(result))
    assert marker not in text and encoded not in text and marker not in report and encoded not in report
    assert {n: s.from_env for n, s in app.secrets.items() if s.from_env} == {
        "creds-username": "CREDS_USERNAME", "creds-password": "CREDS_PASSWORD", "creds-token": "CREDS_TOKEN",
        "api-token": "API_TOKEN"}
    assert app.secrets["platform-tls-tls-crt"].external
    mounts = {(s.secret, s.env, s.path, s.mode) for s in app.services["web"].secrets}
    assert mounts == {("creds-password", "DB_PASSWORD", None, None), ("api-token", "API_TOKEN", None, None),
                      ("creds-token", None, "/run/creds/token", 0o400),
                      ("platform-tls-tls-crt", None, "/etc/tls/tls.crt", None)}
    assert "sec.yaml:6:3: Secret/creds: data.password: changed: the value is not copied" in report
    assert "API_TOKEN" in report and "secret-looking name" in report


def test_kubernetes_import_claims_and_claim_templates() -> None:
    sts = """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          serviceName: db
          replicas: 2
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers:
                - name: db
                  image: postgres:16
                  volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
          volumeClaimTemplates:
            - metadata: {name: data}
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: ssd
                resources: {requests: {storage: 8Gi}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: uploads}
        spec:
          accessModes: [ReadWriteMany]
          resources: {requests: {storage: 3Gi}}
        """
    _, app = run({"s.yaml": sts, "d.yaml": deployment(container="""\
        volumeMounts:
          - {name: up, mountPath: /srv/uploads, readOnly: true}
          - {name: scratch, mountPath: /tmp}
        """, pod="""\
        volumes:
          - {name: up, persistentVolumeClaim: {claimName: uploads}}
          - {name: scratch, emptyDir: {sizeLimit: 64Mi}}
        """)})
    assert app.volumes["data"].per_replica and app.volumes["data"].size == "8Gi"
    assert app.volumes["data"].storage_class == "ssd"
    assert app.volumes["uploads"].size == "3Gi" and not app.volumes["uploads"].per_replica
    assert [(v.volume, v.path) for v in app.services["db"].volumes] == [("data", "/var/lib/postgresql/data")]
    web = app.services["web"].volumes
    assert [(v.volume, v.path, v.read_only, v.scratch, v.size) for v in web] == [
        ("uploads", "/srv/uploads", True, False, None), (None, "/tmp", False, True, "64Mi")]


def test_kubernetes_import_ingress_and_hpa() -> None:
    result, app = run({"d.yaml": deployment(spec="replicas: 2\n", container="ports: [{name: http, containerPort: 3000}]\n"),
                       "n.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: web, port: 80, targetPort: http}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
            - host: www.example.org
              http:
                paths:
                  - {path: /app, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 6
          metrics:
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
        """})
    web = app.services["web"]
    # the backend names the Service port 80 (-> targetPort http, 3000), which is the spec port's number
    assert web.route is not None and (web.route.host, web.route.path, web.route.port) == ("www.example.org", "/app", 80)
    assert [(p.name, p.port, p.target_port) for p in web.ports] == [("http", 80, 3000)]
    assert web.autoscale is not None and (web.autoscale.min, web.autoscale.max, web.autoscale.cpu_target) == (2, 6, 70)
    assert web.replicas is None
    assert any("HorizontalPodAutoscaler sets the replica count" in m for m in losses(result))


def test_kubernetes_import_unknown_kind_is_kept_and_reported() -> None:
    result, app = run({"x.yaml": """\
        apiVersion: example.com/v1alpha1
        kind: Widget
        metadata: {name: w1, namespace: prod, uid: 1234}
        spec: {size: 3}
        status: {ready: true}
        """, "d.yaml": deployment()})
    assert app.extension("kubernetes") == {"resources": [{"apiVersion": "example.com/v1alpha1", "kind": "Widget",
                                               "metadata": {"name": "w1"}, "spec": {"size": 3}}]}
    report = "\n".join(losses(result))
    assert "x.yaml:1:1: Widget/w1: changed: the spec has no Widget" in report
    assert "the namespace 'prod'" in report


def test_kubernetes_import_service_fields_become_patches_of_the_rendered_service() -> None:
    result, app = run({"d.yaml": deployment(container="ports: [{name: http, containerPort: 8080}]\n"), "s.yaml": """\
        apiVersion: v1
        kind: Service
        metadata:
          name: web-lb
          annotations: {service.beta.kubernetes.io/aws-load-balancer-type: nlb}
        spec:
          type: LoadBalancer
          externalTrafficPolicy: Local
          selector: {app: web}
          ports: [{name: http, port: 443, targetPort: http}]
        """})
    assert app.extension("kubernetes") == {"patches": [{"kind": "Service", "name": "web-public", "patch": {
        "metadata": {"annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}},
        "spec": {"externalTrafficPolicy": "Local"}}}]}
    report = losses(result)
    assert "s.yaml:8:3: Service/web-lb: spec.externalTrafficPolicy: changed: kept for Kubernetes only, in " \
           "x-kubernetes.patches: the spec has no such field" in report
    assert "s.yaml:4:3: Service/web-lb: metadata.name: changed: crossdock renders the published ports of 'web' " \
           "as the Service 'web-public'; inside the app the workload answers as 'web' and 'web-lb' (an alias)" in report
    # Clients inside the cluster used the Service's name: the workload keeps answering to it.
    assert app.services["web"].aliases == ["web-lb"]


def test_kubernetes_import_lists_crossdock_never_renders_are_kept_whole() -> None:
    """envFrom of a Secret the manifests do not hold, tolerations: kept as lists in x-kubernetes."""
    result, app = run({"d.yaml": deployment(container="""\
        envFrom:
          - secretRef: {name: platform-env}
          - configMapRef: {name: platform-config}
        """, pod="""\
        tolerations:
          - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
        """), "c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: platform-config}\ndata: {REGION: eu}\n"})
    assert app.services["web"].env == {"REGION": "eu"}  # the ConfigMap is in the manifests: carried
    assert app.services["web"].extension("kubernetes") == {"spec": {"template": {"spec": {
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
        "containers": [{"name": "web", "envFrom": [{"secretRef": {"name": "platform-env"}}]}]}}}}
    kept = sorted(loss.path for loss in result.losses if "kept for Kubernetes only" in loss.message)
    assert kept == ["Deployment/web: spec.template.spec.containers[0].envFrom[0]",
                    "Deployment/web: spec.template.spec.tolerations"]


def test_kubernetes_import_ingress_of_the_old_api() -> None:
    """networking.k8s.io/v1beta1 (and extensions/v1beta1) backends: serviceName and servicePort."""
    _, app = run({"d.yaml": deployment(container="ports: [{name: http, containerPort: 3000}]\n"), "n.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 3000, targetPort: http}]
        ---
        apiVersion: networking.k8s.io/v1beta1
        kind: Ingress
        metadata: {name: web}
        spec:
          rules:
            - host: old.example.org
              http:
                paths:
                  - {path: /, backend: {serviceName: web, servicePort: http}}
        """})
    route = app.services["web"].route
    assert route is not None and (route.host, route.path, route.port) == ("old.example.org", "/", "http")
