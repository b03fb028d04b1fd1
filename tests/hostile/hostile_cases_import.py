"""Hostile cases against the three importers (compose, Kubernetes, Nomad), classes 1-5 of issue 19.

Class 1 cases are valid inputs: the import succeeds (exit 0), the planted value is nowhere in the
written spec, output or messages, the spec reads it from the environment or a file instead, and
the location of the value (file:line) is in the loss report or the spec's comment.
"""

from __future__ import annotations

from hostile_cases_spec import at, planted
from hostile_harness import Case, fifo_at, link_at

OUT = "imported.yaml"
SECRET_REF = r"from_env|from_file"


def _compose(env: str, extra: str = "") -> str:
    return "services:\n  web:\n    image: nginx:1.25\n" + extra + "    environment:\n" + env


def _import(fmt: str, *inputs: str) -> tuple[str, ...]:
    return ("import", *inputs, "--from", fmt, "-o", OUT)


def _secret_case(id_: str, fmt: str, file: str, text: str, needle: str, value: str, *,
                 extra_files: dict[str, str] | None = None, spec_has: tuple[str, ...] = (SECRET_REF,)) -> Case:
    return Case(id_, f"1-classifier-{fmt}", _import(fmt, f"proj/{file}"), 0, at(file, text, needle), (value,),
                files={f"proj/{file}": text, **(extra_files or {})}, spec=OUT, spec_has=spec_has)


PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\n{v}\n-----END OPENSSH PRIVATE KEY-----"


def _classifier_compose() -> list[Case]:
    cases = []
    named = [("DB_PASS", "{v}"), ("PASSPHRASE", "{v}"), ("DB_PW", "{v}"), ("PIN", "{v}"),
             ("DATABASE_URL", "postgres://app:{v}@db:5432/app"), ("REDIS_URL", "redis://:{v}@cache:6379/0"),
             ("SENTRY_DSN", "https://{v}@o12345.ingest.sentry.io/67890"),
             ("NOTIFY_HOOK", "https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/{v}"),
             ("CONN", "Server=db;Database=app;User Id=app;Password={v};"),
             ("GH", "ghp_{v}"), ("OPAQUE", "{v}")]
    for n, (name, shape) in enumerate(named, 1):
        value = planted(1, n).replace("-", "") + ("x9Kq2LmZ7vB4nR8tW1yH6" if name in ("GH", "OPAQUE") else "")
        text = _compose(f"      {name}: \"{shape.format(v=value)}\"\n      MODE: production\n")
        cases.append(_secret_case(f"compose-{name.lower()}", "compose", "compose.yaml", text, f"{name}:", value))
    pem_value = planted(1, 20).replace("-", "") + "AAAAB3NzaC1yc2EAAAADAQABAAABAQ"
    pem = _compose("      SSH_KEY_MATERIAL: |\n" + "".join(f"        {ln}\n" for ln in PEM.format(v=pem_value).split("\n")))
    cases.append(_secret_case("compose-pem-block", "compose", "compose.yaml", pem, "SSH_KEY_MATERIAL:", pem_value))
    npm_value = planted(1, 21)
    npmrc = "services:\n  web:\n    image: node:20\n    volumes:\n      - ./.npmrc:/root/.npmrc:ro\n"
    cases.append(_secret_case("compose-npmrc-bind", "compose", "compose.yaml", npmrc, ".npmrc", npm_value,
                              extra_files={"proj/.npmrc": f"//registry.npmjs.org/:_authToken={npm_value}\n"},
                              spec_has=(r"from_file",)))
    key_value = planted(1, 22)
    keybind = "services:\n  web:\n    image: nginx:1.25\n    volumes:\n      - ./certs/tls.key:/etc/tls/tls.key:ro\n"
    cases.append(_secret_case("compose-tls-key-bind", "compose", "compose.yaml", keybind, "tls.key", key_value,
                              extra_files={"proj/certs/tls.key": PEM.format(v=key_value).replace("OPENSSH", "RSA") + "\n"},
                              spec_has=(r"from_file",)))
    label_value = planted(1, 23)
    managed = _compose(f"      API_TOKEN: {label_value}\n",
                       "    labels:\n      app.kubernetes.io/managed-by: crossdock\n")
    cases.append(_secret_case("compose-managed-by-label", "compose", "compose.yaml", managed, "API_TOKEN:", label_value))
    env_value = planted(1, 24)
    dotenv = _compose("      DB_PASSWORD: ${DB_PASSWORD}\n")
    cases.append(Case("compose-dotenv-value", "1-classifier-compose", _import("compose", "proj/compose.yaml"), 0,
                      r"[.]env:1:|compose[.]yaml:\d+:", (env_value,),
                      files={"proj/compose.yaml": dotenv, "proj/.env": f"DB_PASSWORD={env_value}\n"}, spec=OUT))
    trust = _compose("      AUTH_TYPE: trust\n      LOG_LEVEL: debug\n")
    cases.append(Case("compose-auth-type-stays-plain", "1-classifier-compose", _import("compose", "proj/compose.yaml"),
                      0, "", files={"proj/compose.yaml": trust}, spec=OUT,
                      spec_has=(r"AUTH_TYPE: ['\"]?trust",), spec_lacks=(SECRET_REF,)))
    sep = _compose("      SEPARATOR: =\n      MERGE: <<\n")
    cases.append(Case("compose-equals-plain", "4-scalars-compose", _import("compose", "proj/compose.yaml"), 0, "",
                      files={"proj/compose.yaml": sep}, spec=OUT,
                      spec_has=(r"SEPARATOR: ['\"]=['\"]", r"MERGE: ['\"]<<['\"]")))
    return cases


DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      initContainers:
        - name: migrate
          image: migrate:1
          env:
{init}
      containers:
        - name: web
          image: nginx:1.25
          env:
{main}
        - name: proxy
          image: envoy:1
          env:
{side}
"""
PLAIN_ENV = "            - {name: MODE, value: production}"


def _deploy(init: str = PLAIN_ENV, main: str = PLAIN_ENV, side: str = PLAIN_ENV) -> str:
    return DEPLOY.format(init=init, main=main, side=side)


def _classifier_kubernetes() -> list[Case]:
    cases = []
    for n, (where, name, shape) in enumerate([("init", "DB_PASSWORD", "{v}"), ("side", "API_TOKEN", "{v}"),
                                              ("main", "DB_PASS", "{v}"), ("main", "PASSPHRASE", "{v}"),
                                              ("main", "DATABASE_URL", "postgres://u:{v}@h/db")], 30):
        value = planted(1, n)
        entry = f"            - {{name: {name}, value: \"{shape.format(v=value)}\"}}"
        text = _deploy(**{where: entry})
        # An init step or a sidecar takes no secrets in the spec: the value is left out, and the
        # loss line at the entry says so (the variable must be given on the platform).
        cases.append(_secret_case(f"kubernetes-{where}-{name.lower()}", "kubernetes", "deploy.yaml", text,
                                  f"name: {name},", value,
                                  spec_has=(SECRET_REF,) if where == "main" else (r"\bweb\b",)))
    return cases


NOMAD = """variable "db_password" {{
  type    = string
  default = "{var}"
}}

job "web" {{
  group "web" {{
    task "web" {{
      driver = "docker"
      config {{
        image = "nginx:1.25"
      }}
      env {{
{env}
      }}
    }}
    task "proxy" {{
      driver = "docker"
      lifecycle {{
        hook    = "prestart"
        sidecar = true
      }}
      config {{
        image = "envoy:1"
      }}
      env {{
{side}
      }}
    }}
  }}
}}
"""


def _nomad(var: str = "plain-default", env: str = '        MODE = "production"',
           side: str = '        MODE = "production"') -> str:
    return NOMAD.format(var=var, env=env, side=side)


def _classifier_nomad() -> list[Case]:
    cases = []
    for n, (place, name) in enumerate([("env", "DB_PASS"), ("env", "DB_PASSWORD"), ("side", "API_TOKEN"),
                                       ("env", "DB_PW")], 40):
        value = planted(1, n)
        text = _nomad(**{place: f'        {name} = "{value}"'})
        cases.append(_secret_case(f"nomad-{place}-{name.lower()}", "nomad", "web.nomad.hcl", text, f"{name} =", value))
    value = planted(1, 49)
    text = _nomad(var=value)
    # A variable no task uses is not imported at all: nothing to say, nothing copied.
    cases.append(Case("nomad-variable-default-password", "1-classifier-nomad", _import("nomad", "proj/web.nomad.hcl"),
                      0, "", (value,), files={"proj/web.nomad.hcl": text}, spec=OUT))
    value = planted(1, 48)
    text = _nomad(var=value, env='        DB_PASSWORD = "${var.db_password}"')
    # Used, its default is withheld from variables:, and the loss line names the use's place.
    cases.append(Case("nomad-variable-default-password-used", "1-classifier-nomad",
                      _import("nomad", "proj/web.nomad.hcl"), 0, r"web[.]nomad[.]hcl:\d+:\d+: .*var[.]db_password",
                      (value,), files={"proj/web.nomad.hcl": text}, spec=OUT))
    return cases



def _confined() -> list[Case]:
    v = [planted(2, n) for n in range(30, 40)]
    outside = {"outside/app.env": f"API_TOKEN={v[0]}\n", "outside/secret.txt": v[1] + "\n",
               "outside/compose.yaml": f"services:\n  leak:\n    image: nginx:1.25\n    environment:\n      MODE: \"{v[2]}\"\n",
               "outside/leak.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  k: \"{v[3]}\"\n"}
    env_file = "services:\n  web:\n    image: nginx:1.25\n    env_file: ../outside/app.env\n"
    env_file_abs = "services:\n  web:\n    image: nginx:1.25\n    env_file: {ROOT}/outside/app.env\n"
    bind = "services:\n  web:\n    image: nginx:1.25\n    volumes:\n      - ../outside/secret.txt:/etc/app/app.conf:ro\n"
    bind_link = "services:\n  web:\n    image: nginx:1.25\n    volumes:\n      - ./conf/app.conf:/etc/app/app.conf:ro\n"
    include = "include:\n  - ../outside/compose.yaml\nservices:\n  web:\n    image: nginx:1.25\n"
    environ = "services:\n  web:\n    image: nginx:1.25\n    env_file: /proc/self/environ\n"
    compose = [("env-file-dotdot", env_file, "env_file:", (v[0],), None),
               ("env-file-absolute", env_file_abs, "env_file:", (v[0],), None),
               ("bind-dotdot", bind, "../outside", (v[1],), None),
               ("bind-symlink", bind_link, "./conf", (v[1],), link_at("proj/conf/app.conf", "../../outside/secret.txt")),
               ("include-dotdot", include, "../outside", (v[2],), None),
               ("env-file-proc-environ", environ, "env_file:", (v[4],), None)]
    # A bind mount outside the project is not read: docker compose accepts the file, so import does
    # too (exit 0), and the loss line at the mount names --allow-path; the other reads are refused.
    cases = [Case(f"compose-{name}", "2-confined-compose", _import("compose", "proj/compose.yaml"),
                  0 if name.startswith("bind-") else 2,
                  f"(?s)(?=.*{at('compose.yaml', text, needle)})(?=.*--allow-path)", values,
                  files={"proj/compose.yaml": text, **outside},
                  env={"CI_JOB_TOKEN": v[4]}, setup=setup) for name, text, needle, values, setup in compose]
    cases.append(Case("compose-env-file-fifo", "2-confined-compose", _import("compose", "proj/compose.yaml"), 2,
                      at("compose.yaml", env_file.replace("../outside/app.env", "app.env"), "env_file:"),
                      files={"proj/compose.yaml": env_file.replace("../outside/app.env", "app.env")},
                      setup=fifo_at("proj/app.env")))
    kustom = "resources:\n  - web.yaml\n  - ../../outside/leak.yaml\n"  # proj/k8s/ -> outside/
    web = _deploy()
    cases += [
        # kubectl reads a resource outside the kustomization's folder, so import does not refuse
        # the folder: the resource is not read, and the loss line names --allow-path.
        Case("kubernetes-kustomization-dotdot", "2-confined-kubernetes", _import("kubernetes", "proj/k8s"), 0,
             f"(?s)(?=.*{at('kustomization.yaml', kustom, '../../outside')})(?=.*--allow-path)", (v[3],),
             files={"proj/k8s/kustomization.yaml": kustom, "proj/k8s/web.yaml": web, **outside}),
        Case("kubernetes-symlink-in-folder", "2-confined-kubernetes", _import("kubernetes", "proj/k8s"), 2,
             r"leak[.]yaml", (v[3],), files={"proj/k8s/web.yaml": web, **outside},
             setup=link_at("proj/k8s/leak.yaml", "../../outside/leak.yaml")),
        Case("kubernetes-fifo-in-folder", "2-confined-kubernetes", _import("kubernetes", "proj/k8s"), 2,
             r"pipe[.]yaml", files={"proj/k8s/web.yaml": web}, setup=fifo_at("proj/k8s/pipe.yaml")),
        Case("nomad-fifo-job", "2-confined-nomad", _import("nomad", "proj/web.nomad.hcl"), 2, r"web[.]nomad[.]hcl",
             setup=fifo_at("proj/web.nomad.hcl")),
    ]
    return cases


def _expansion() -> list[Case]:
    three_mb = "B" * (3 * 1024 * 1024)
    refs = "".join(f"      V{i}: ${{BIG}}\n" for i in range(900))
    compose = _compose(refs)
    command = "services:\n  web:\n    image: nginx:1.25\n    command: [" + ", ".join(['"${BIG}"'] * 900) + "]\n"
    mib = "A" * (1024 * 1024)
    aliases = "".join(f"  K{i}: *big\n" for i in range(3000))
    manifest = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  annotations:\n    x: &big \"{mib}\"\ndata:\n{aliases}"
    nomad_refs = "\n".join(f'        V{i} = "${{var.big}}"' for i in range(3000))
    quarter = "A" * (256 * 1024)  # under the 1 MiB HCL cap; 3,000 references make 768 MB
    nomad = _nomad(env=nomad_refs).replace('variable "db_password"', f'variable "big" {{\n  default = "{quarter}"\n}}\n\nvariable "db_password"')
    return [
        Case("compose-dotenv-900-refs", "3-expansion-compose", _import("compose", "proj/compose.yaml"), 2,
             r"(compose[.]yaml|[.]env):\d+:", files={"proj/compose.yaml": compose, "proj/.env": f"BIG={three_mb}\n"}),
        Case("compose-dotenv-900-refs-command", "3-expansion-compose", _import("compose", "proj/compose.yaml"), 2,
             r"(compose[.]yaml|[.]env):\d+:", files={"proj/compose.yaml": command, "proj/.env": f"BIG={three_mb}\n"}),
        Case("kubernetes-alias-bytes", "3-expansion-kubernetes", _import("kubernetes", "proj/bomb.yaml"), 2,
             r"bomb[.]yaml:\d+:", files={"proj/bomb.yaml": manifest}),
        # HCL references stay variables in the spec (the bomb would go off at render, where the
        # spec-side cap applies): the import must succeed and write the value at most once.
        # Values shaped to make a backtracking pattern quadratic (runs with no closing literal):
        # the classifier must read them in linear time (the harness's 30 s bound; it took minutes).
        Case("compose-classifier-backtracking", "1-classifier-compose", _import("compose", "proj/compose.yaml"), 0,
             "", files={"proj/compose.yaml": _compose("".join(
                 f'      V{i}: "{run * (512 * 1024 // len(run))}"\n'
                 for i, run in enumerate(["{{", "a", "${", "a:", " x", "A"])))}),
        # 3,000 uses of a 256 KiB default make 768 MB once the spec is rendered: refused at the
        # job file, as the spec loader would refuse the spec the import would write.
        Case("nomad-variable-3000-refs", "3-expansion-nomad", _import("nomad", "proj/web.nomad.hcl"), 2,
             r"web[.]nomad[.]hcl:\d+:", files={"proj/web.nomad.hcl": nomad}),
    ]


def _scalars() -> list[Case]:
    cases = []
    for name, value in [("unknown-tag", "!foo bar"), ("float-tag", "!!float abc"),
                        ("timestamp-tag", "!!timestamp notatime"), ("python-tag", "!!python/name:os.system"),
                        ("huge-int", "7" * 5000)]:
        compose = _compose(f"      FLAG: {value}\n")
        cases.append(Case(f"compose-{name}", "4-scalars-compose", _import("compose", "proj/compose.yaml"), 2,
                          at("compose.yaml", compose, "FLAG:"), files={"proj/compose.yaml": compose}))
        k8s = _deploy(main=f"            - name: FLAG\n              value: {value}")
        cases.append(Case(f"kubernetes-{name}", "4-scalars-kubernetes", _import("kubernetes", "proj/deploy.yaml"), 2,
                          at("deploy.yaml", k8s, "value: " + value[:4]), files={"proj/deploy.yaml": k8s}))
    k8s_eq = _deploy(main="            - name: SEPARATOR\n              value: =")
    cases.append(Case("kubernetes-equals-plain", "4-scalars-kubernetes", _import("kubernetes", "proj/deploy.yaml"), 0,
                      "", files={"proj/deploy.yaml": k8s_eq}, spec=OUT, spec_has=(r"SEPARATOR: ['\"]=['\"]",)))
    job = '{"Job": {"ID": "web", "Name": "web", "TaskGroups": [{"Name": "web", "Count": ' + "3" * 5000 + \
          ', "Tasks": [{"Name": "web", "Driver": "docker", "Config": {"image": "nginx:1.25"}}]}]}}\n'
    cases.append(Case("nomad-json-huge-int", "4-scalars-nomad", _import("nomad", "proj/web.nomad.json"), 2,
                      r"web[.]nomad[.]json", files={"proj/web.nomad.json": job}))
    hcl = _nomad().replace('group "web" {', 'group "web" {\n    count = ' + "3" * 5000)
    cases.append(Case("nomad-hcl-huge-int", "4-scalars-nomad", _import("nomad", "proj/web.nomad.hcl"), 2,
                      r"web[.]nomad[.]hcl:\d+:", files={"proj/web.nomad.hcl": hcl}))
    return cases


def _messages() -> list[Case]:
    v = [planted(5, n) for n in range(30, 40)]
    dotenv = f"API_TOKEN={v[0]}\nDB_PASSWORD={v[1]}\n"
    include = "include:\n  - secrets.txt\nservices:\n  web:\n    image: nginx:1.25\n"
    return [
        Case("kubernetes-given-dotenv", "5-messages-kubernetes", _import("kubernetes", "proj/.env"), 2, r"[.]env",
             (v[0], v[1]), files={"proj/.env": dotenv}),
        Case("compose-include-non-compose", "5-messages-compose", _import("compose", "proj/compose.yaml"), 2,
             r"secrets[.]txt|compose[.]yaml:2:", (v[2],),
             files={"proj/compose.yaml": include, "proj/secrets.txt": f"{v[2]}\n"}),
        Case("compose-given-password-file", "5-messages-compose", _import("compose", "proj/db_password.txt"), 2,
             r"db_password[.]txt", (v[3],), files={"proj/db_password.txt": f"{v[3]}\n"}),
        Case("nomad-given-password-file", "5-messages-nomad", _import("nomad", "proj/db_password.txt"), 2,
             r"db_password[.]txt", (v[4],), files={"proj/db_password.txt": f"{v[4]} = x\n{v[5]}\n"}),
        Case("nomad-given-dotenv", "5-messages-nomad", _import("nomad", "proj/.env"), 2, r"[.]env",
             (v[0], v[1]), files={"proj/.env": dotenv}),
    ]


def cases() -> list[Case]:
    return (_classifier_compose() + _classifier_kubernetes() + _classifier_nomad() + _confined() + _expansion()
            + _scalars() + _messages())
