"""How a compose service's container runs, imported: user, read-only root, capabilities,
privileged, no-new-privileges, working_dir, hostname, stop_grace_period, stop_signal, deploy.mode.

Expected values come from the Compose Specification (services: user "overrides the user used to
run the container process", default the image's; read_only; cap_add/cap_drop; security_opt;
stop_grace_period "specified as a duration", default 10s; stop_signal, default SIGTERM;
deploy.mode global: "exactly one container per physical node") and docker's own parsing (a
capability is accepted with or without CAP_ and in any case; no-new-privileges with ':' or '=').
"""

from __future__ import annotations

import pytest

from compose_helpers import import_compose, losses
from crossdock.errors import InputError


def test_compose_runtime_hardened_service_keeps_its_hardening() -> None:
    # The shape of a hardened database in the wild: non-root, read-only root, every capability
    # dropped but the few the entrypoint needs, no privilege escalation.
    app, result, _ = import_compose("""\
services:
  db:
    image: postgres:16-alpine
    user: "70:70"
    read_only: true
    cap_drop: [ALL]
    cap_add: [CAP_CHOWN, dac_override, FOWNER, SETGID, SETUID]
    security_opt:
      - no-new-privileges:true
    tmpfs: [/var/run/postgresql]
""")
    sec = app.services["db"].security
    assert sec is not None
    assert (sec.user, sec.group, sec.read_only_root, sec.no_new_privileges, sec.privileged) == (70, 70, True, True, False)
    assert sec.capabilities is not None
    assert sec.capabilities.drop == ["ALL"]
    assert sec.capabilities.add == ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]
    assert result.losses == []


@pytest.mark.parametrize(("user", "expected"), [
    ('"1000"', (1000, None)),
    ('"1000:1000"', (1000, 1000)),
    ("postgres", ("postgres", None)),
    ("node:node", ("node", "node")),
    ('"www-data:33"', ("www-data", 33)),
])
def test_compose_runtime_user_and_group(user: str, expected: tuple[object, object]) -> None:
    app, result, _ = import_compose(f"services:\n  web:\n    image: x\n    user: {user}\n")
    sec = app.services["web"].security
    assert sec is not None and (sec.user, sec.group) == expected
    assert result.losses == []


def test_compose_runtime_user_from_a_variable_is_resolved_and_reported() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    user: ${APP_UID:-1001}:${APP_GID:-0}\n")
    sec = app.services["web"].security
    assert sec is not None and (sec.user, sec.group) == (1001, 0)
    assert losses(result)["services.web.user"].kind == "changed"


def test_compose_runtime_a_user_the_spec_cannot_name_is_reported() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    user: 'Bad User'\n")
    assert app.services["web"].security is None
    assert "not carried" in losses(result)["services.web.user"].message


@pytest.mark.parametrize("opt", ["no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"])
def test_compose_runtime_no_new_privileges_spellings(opt: str) -> None:
    app, result, _ = import_compose(f"services:\n  web:\n    image: x\n    security_opt: [\"{opt}\"]\n")
    assert app.services["web"].security is not None and app.services["web"].security.no_new_privileges
    assert result.losses == []


def test_compose_runtime_other_security_options_are_reported() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    security_opt:\n"
                                    "      - no-new-privileges:false\n      - seccomp:unconfined\n"
                                    "      - apparmor=unconfined\n")
    assert app.services["web"].security is None
    assert set(losses(result)) == {"services.web.security_opt[1]", "services.web.security_opt[2]"}


def test_compose_runtime_privileged_and_read_only_as_strings() -> None:
    # compose-go reads a boolean written as a string with strconv.ParseBool
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    privileged: 'true'\n    read_only: 'false'\n")
    sec = app.services["web"].security
    assert sec is not None and sec.privileged and not sec.read_only_root
    assert result.losses == []


def test_compose_runtime_working_dir_hostname_and_stop() -> None:
    app, result, _ = import_compose("""\
services:
  web:
    image: nginx:1.27
    working_dir: /usr/share/nginx/html
    hostname: web01.internal
    stop_grace_period: 1m30s
    stop_signal: SIGQUIT
  worker:
    image: x
    stop_grace_period: 1.5s
    stop_signal: USR1
""")
    web, worker = app.services["web"], app.services["worker"]
    assert (web.working_dir, web.hostname, web.stop_grace_period, web.stop_signal) == \
        ("/usr/share/nginx/html", "web01.internal", "1m30s", "SIGQUIT")
    assert (worker.stop_grace_period, worker.stop_signal) == ("1s500ms", "SIGUSR1")
    assert result.losses == []


@pytest.mark.parametrize(("field", "value"), [
    ("working_dir", "relative/dir"),
    ("hostname", "not_a_hostname"),
    ("stop_grace_period", "soon"),
    ("stop_signal", "'SIG TERM'"),
])
def test_compose_runtime_values_the_spec_cannot_hold_are_reported(field: str, value: str) -> None:
    app, result, _ = import_compose(f"services:\n  web:\n    image: x\n    {field}: {value}\n")
    assert getattr(app.services["web"], field) is None
    assert losses(result)[f"services.web.{field}"].kind == "dropped"


def test_compose_runtime_hostname_in_capitals_is_written_lowercase() -> None:
    app, result, _ = import_compose("services:\n  web:\n    image: x\n    hostname: WebHost\n")
    assert app.services["web"].hostname == "webhost"
    assert losses(result)["services.web.hostname"].kind == "changed"


def test_compose_runtime_global_mode_is_per_node() -> None:
    app, result, _ = import_compose("""\
services:
  node-exporter:
    image: prom/node-exporter:v1.8.1
    deploy:
      mode: global
      resources: {limits: {memory: 128M}}
  agent:
    image: x
    deploy: {mode: global, replicas: 3}
  web:
    image: x
    deploy: {mode: replicated, replicas: 3}
""")
    assert (app.services["node-exporter"].mode, app.services["node-exporter"].replicas) == ("per_node", None)
    assert (app.services["agent"].mode, app.services["agent"].replicas) == ("per_node", None)
    assert (app.services["web"].mode, app.services["web"].replicas) == ("replicated", 3)
    assert set(losses(result)) == {"services.agent.deploy.replicas"}


def test_compose_runtime_tmpfs_options() -> None:
    app, result, _ = import_compose("""\
services:
  web:
    image: x
    tmpfs: ["/run:size=64m,mode=1777", "/tmp:noexec,size=1g"]
    volumes:
      - {type: tmpfs, target: /cache, tmpfs: {size: 33554432, mode: 0700}}
""")
    assert [(v.path, v.size) for v in app.services["web"].volumes] == [
        ("/cache", "32Mi"), ("/run", "64Mi"), ("/tmp", "1Gi")]
    found = losses(result)
    assert "mode=1777" in found["services.web.tmpfs[0]"].message and "noexec" in found["services.web.tmpfs[1]"].message
    assert "mode" in found["services.web.volumes[0].tmpfs.mode"].message


@pytest.mark.parametrize("field", ["cap_add: NET_ADMIN", "cap_drop: {all: true}", "security_opt: no-new-privileges"])
def test_compose_runtime_a_field_of_the_wrong_type_is_refused_as_compose_refuses_it(field: str) -> None:
    # compose's JSON Schema: cap_add, cap_drop and security_opt are arrays of strings
    with pytest.raises(InputError, match=r"p/compose.yaml:4:\d+: services.web.\w+: expected a list"):
        import_compose(f"services:\n  web:\n    image: x\n    {field}\n")
