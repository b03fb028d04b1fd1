"""Names other services reach a compose service by, and services sharing a network namespace.

From the Compose Specification: services reach each other by service name on a shared network;
``networks.<net>.aliases`` are "alternative hostnames for the service on the network";
``container_name`` is the container's name, which Docker's DNS resolves too; the v2 format's
``links: ["db:database"]`` makes ``database`` an alias of db; ``network_mode: service:X`` gives
the container X's network stack (so it cannot publish ports of its own: X does).
"""

from __future__ import annotations

from compose_helpers import import_compose, losses
from crossdock.translators.importers import base
from crossdock.translators.importers.compose import ComposeImporter


def test_compose_network_renamed_service_keeps_its_name_as_an_alias() -> None:
    app, result, _ = import_compose("""\
services:
  my_db:
    image: postgres:16
  web:
    image: x
    environment: {DATABASE_URL: "postgres://app@my_db:5432/app"}
    depends_on: [my_db]
""")
    assert app.services["my-db"].aliases == ["my_db"]
    assert app.services["web"].depends_on == ["my-db"] and app.services["web"].env["DATABASE_URL"].endswith("@my_db:5432/app")
    loss = losses(result)["services.my_db"]
    assert loss.kind == "changed" and "alias" in loss.message


def test_compose_network_case_only_rename_needs_no_alias() -> None:
    app, _, _ = import_compose("services:\n  Web: {image: x}\n")
    assert app.services["web"].aliases == []  # DNS names are case-insensitive


def test_compose_network_container_name_used_by_another_service_becomes_an_alias() -> None:
    # immich's shape: the server reaches the database by its container_name
    app, result, _ = import_compose("""\
services:
  immich-server:
    image: ghcr.io/immich-app/immich-server:release
    environment:
      DB_HOSTNAME: immich_postgres
      REDIS_HOSTNAME: immich_redis
  database:
    container_name: immich_postgres
    image: postgres:14
  redis:
    container_name: immich_redis
    image: redis:6.2
  unused:
    container_name: some_name
    image: x
""")
    assert app.services["database"].aliases == ["immich_postgres"]
    assert app.services["redis"].aliases == ["immich_redis"]
    assert app.services["unused"].aliases == []
    found = losses(result)
    assert "services.database.container_name" not in found and "services.redis.container_name" not in found
    assert "no other service uses" in found["services.unused.container_name"].message


def test_compose_network_container_name_found_in_a_config_file_and_a_healthcheck() -> None:
    app, _, _ = import_compose("""\
services:
  proxy:
    image: nginx:1.27
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  backend:
    container_name: api-backend
    image: x
  cache:
    container_name: cache-1
    image: redis:7
  probe:
    image: x
    healthcheck: {test: ["CMD", "redis-cli", "-h", "cache-1", "ping"]}
""", **{"nginx.conf": "events {}\nhttp { server { location / { proxy_pass http://api-backend:8000; } } }\n"})
    assert app.services["backend"].aliases == ["api-backend"]
    assert app.services["cache"].aliases == ["cache-1"]


def test_compose_network_container_name_in_a_default_or_dotenv_value_is_a_use() -> None:
    app, _, _ = import_compose("""\
services:
  app:
    image: x
    environment: {DB_HOST: "${DB_HOST:-app_db}", CACHE: "${CACHE_HOST}"}
  db:
    container_name: app_db
    image: postgres:16
  cache:
    container_name: app_cache
    image: redis:7
""", **{".env": "CACHE_HOST=app_cache\n"})
    assert app.services["db"].aliases == ["app_db"] and app.services["cache"].aliases == ["app_cache"]


def test_compose_network_container_name_inside_a_longer_name_is_not_a_use() -> None:
    app, _, _ = import_compose("""\
services:
  db:
    container_name: pg
    image: postgres:16
  web:
    image: x
    environment: {A: "pg-admin", B: "pg.example.com", C: "my_pg", D: "/var/lib/pg_data"}
""")
    assert app.services["db"].aliases == []


def test_compose_network_aliases_and_link_aliases() -> None:
    app, result, _ = import_compose("""\
services:
  db:
    image: postgres:16
    networks:
      back:
        aliases: [database, postgres.internal]
        ipv4_address: 172.16.238.10
  web:
    image: x
    links: ["cache:redis"]
  cache:
    image: redis:7
networks:
  back: {}
""")
    assert app.services["db"].aliases == ["database", "postgres.internal"]
    assert app.services["cache"].aliases == ["redis"]
    assert set(losses(result)) == {"services.db.networks.back.ipv4_address", "networks.back"}


def test_compose_network_alias_taken_by_another_workload_is_reported() -> None:
    app, result, _ = import_compose("""\
services:
  db:
    image: x
    networks: {default: {aliases: [web]}}
  web:
    image: x
""")
    assert app.services["db"].aliases == []
    assert "another workload's name" in losses(result)["services.db.networks.default.aliases[0]"].message


def test_compose_network_mode_service_becomes_a_sidecar() -> None:
    # A VPN container and the app that sends its traffic through it (gluetun's documented setup)
    app, result, _ = import_compose("""\
services:
  vpn:
    image: qmcgaw/gluetun:v3
    cap_add: [NET_ADMIN]
    ports: ["8080:8080"]
  torrent:
    image: lscr.io/linuxserver/qbittorrent:4.6.7
    network_mode: "service:vpn"
    environment: {WEBUI_PORT: "8080", PUID: "1000"}
    working_dir: /config
    expose: ["6881"]
    volumes: [downloads:/downloads]
    depends_on: [vpn]
  ui:
    image: x
    depends_on: [torrent]
volumes:
  downloads: {}
""")
    assert set(app.services) == {"vpn", "ui"}
    vpn = app.services["vpn"]
    assert [s.name for s in vpn.sidecars] == ["torrent"]
    side = vpn.sidecars[0]
    assert (side.image, side.env, side.working_dir) == \
        ("lscr.io/linuxserver/qbittorrent:4.6.7", {"WEBUI_PORT": "8080", "PUID": "1000"}, "/config")
    assert [(p.port, p.publish) for p in vpn.ports] == [(8080, True), (6881, False)]  # open in vpn's namespace
    assert app.services["ui"].depends_on == ["vpn"]  # redirected to the service the sidecar lives in
    found = losses(result)
    assert found["services.torrent.network_mode"].kind == "changed"
    assert "volumes" in found["services.torrent"].message and "depends_on" not in found["services.torrent"].message


def test_compose_network_mode_container_of_a_named_container() -> None:
    app, _, _ = import_compose("""\
services:
  app:
    image: x
    container_name: the-app
  debug:
    image: busybox
    network_mode: "container:the-app"
""")
    assert set(app.services) == {"app"} and [s.name for s in app.services["app"].sidecars] == ["debug"]


def test_compose_network_mode_sidecar_secrets_are_left_out() -> None:
    app, result, _ = import_compose("""\
services:
  es:
    image: elasticsearch:8.15.0
  setup:
    image: x
    network_mode: service:es
    environment: {ELASTIC_PASSWORD: "${ELASTIC_PASSWORD:-}"}
""")
    assert app.services["es"].sidecars[0].env == {} and app.secrets == {}
    assert "ELASTIC_PASSWORD" in losses(result)["services.setup.environment"].message
    assert set(losses(result)) == {"services.setup.environment", "services.setup.network_mode"}  # said once


def test_compose_network_modes_without_an_equivalent_are_reported() -> None:
    app, result, _ = import_compose("""\
services:
  plex:
    image: plexinc/pms-docker
    network_mode: host
  keygen:
    image: x
    network_mode: none
  orphan:
    image: x
    network_mode: "service:missing"
""")
    assert set(app.services) == {"plex", "keygen", "orphan"}
    found = losses(result)
    assert all(found[f"services.{n}.network_mode"].kind == "changed" for n in ("plex", "keygen", "orphan"))


def test_compose_network_mode_sidecar_name_fits_swarm() -> None:
    # Swarm runs a sidecar as the service <app>_<workload>-<sidecar>, at most 63 characters
    text = ("services:\n  application-server-main:\n    image: x\n"
            "  application-server-metrics-exporter:\n    image: y\n    network_mode: service:application-server-main\n")
    result = ComposeImporter().import_files(["p/compose.yaml"], base.MemorySources({"p/compose.yaml": text}),
                                            name="a-rather-long-application-name", environ={})
    app = base.check_spec(base.write_spec(result)).app
    step = app.services["application-server-main"].sidecars[0]
    assert len(f"{app.name}_application-server-main-{step.name}") <= 63
    assert "application-server-metrics-exporter".startswith(step.name)


def test_compose_network_mode_host_of_the_longest_name_leaves_room_for_its_sidecar() -> None:
    host = "h" * 52  # the longest workload name
    text = f"services:\n  {host}:\n    image: x\n  agent:\n    image: y\n    network_mode: service:{host}\n"
    result = ComposeImporter().import_files(["p/compose.yaml"], base.MemorySources({"p/compose.yaml": text}),
                                            name="app", environ={})
    app = base.check_spec(base.write_spec(result)).app  # loads: every derived name fits
    (name, service), = app.services.items()
    assert [s.name for s in service.sidecars] == ["agent"] and len(f"app_{name}-agent") <= 63
    assert service.aliases == [host]
