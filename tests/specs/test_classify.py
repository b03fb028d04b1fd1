"""The shared secret classifier: by name, by value, files, and the user's overrides.

Expected verdicts come from the issue (19: names the old rules missed, values that are
credentials whatever the name; 20: flags such as ``AUTH_TYPE: trust`` stay plain) and from what
the variables mean in the images that read them, not from the classifier's output.  The
non-secret table holds values taken from real files (the shared corpus, image docs).
"""

from __future__ import annotations

import base64
import random
import string

import pytest

from crossdock.specs.classify import SecretRules, by_name, by_value, classify, classify_file, words

# Planted values: distinctive, shaped as each kind of secret.  Built from parts so that no
# scanner takes this file for one holding live credentials.
GH = "ghp_" + "PLANTEDx" * 4 + "Ab12"
AWS = "AKIA" + "PLANTED1234ABCDE"[:16]
SLACK_HOOK = "https://hooks.slack.com/services/" + "T000PLANT/B000PLANT/PLANTEDxxxxxxxxxxxxxxxx"
PEM = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEPLANTED\n-----END RSA PRIVATE KEY-----\n"
RANDOM = "q8Zr4TfLk2Wm9Xv1Bn7Cs3Dj6Hy0Pa5E"  # 32 characters, no repeated one: 5 bits each


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("DB_PASSWORD", "hunter2", "the name contains PASSWORD"),
    ("dbPassword", "hunter2", "the name contains PASSWORD"),
    ("MYSQL_ROOT_PASSWD", "hunter2", "the name contains PASSWD"),
    ("GPG_PASSPHRASE", "correct horse", "the name contains PASSPHRASE"),
    ("DB_PASS", "hunter2", "the name ends with PASS"),
    ("DB_PW", "hunter2", "the name ends with PW"),
    ("POSTGRES_PWD", "temporal", "the name ends with PWD"),
    ("SIM_PIN", "1234", "the name ends with PIN"),
    ("SENTRY_DSN", "https://abc@o1.ingest.sentry.io/1", "the name ends with DSN"),
    ("PASSWORD_SALT", "pepper", "the name contains PASSWORD"),
    ("HASH_SALT", "xyz", "the name ends with SALT"),
    ("REDIS_AUTH", "hunter2", "the name ends with AUTH"),
    ("JWT_SECRET", "shh", "the name contains SECRET"),
    ("SECRET_KEY_BASE", "abc", "the name contains SECRET"),
    ("AWS_SECRET_ACCESS_KEY", "abc", "the name contains SECRET"),
    ("COOKIE_SECRET", "abc", "the name contains SECRET"),
    ("client-secret", "abc", "the name contains SECRET"),
    ("GITHUB_TOKEN", "abc", "the name contains TOKEN"),
    ("AUTH_TOKEN", "abc", "the name contains TOKEN"),
    ("API_KEY", "abc", "the name contains APIKEY"),
    ("apiKey", "abc", "the name contains APIKEY"),
    ("SSH_PRIVATE_KEY", "abc", "the name contains PRIVATEKEY"),
    ("SIGNING_KEY", "abc", "the name ends with KEY"),
    ("ENCRYPTION_KEY", "abc", "the name ends with KEY"),
    ("LICENSE_KEY", "abc", "the name ends with KEY"),
    ("OPENAI_KEY", "abc", "the name ends with KEY"),
    ("KEY", "abc", "the name ends with KEY"),
    ("GOOGLE_CREDENTIALS", "{}", "the name contains CREDENTIALS"),
    ("DOCKER_CREDS", "abc", "the name contains CREDS"),
    ("DB_CONNECTION_STRING", "Server=db", "the name ends with CONNECTION_STRING"),
    ("VAULT_SECRET_ID", "abc", "the name ends with SECRET_ID"),
    ("SLACK_WEBHOOK", "abc", "the name contains WEBHOOK"),
    ("ADMIN_PASSWORD_HASH", "$2a$14$abc", "the name contains PASSWORD"),
    ("PGPASSWORD", "hunter2", "the name contains PASSWORD"),
    ("GITHUBTOKEN", "abc", "the name contains TOKEN"),
])
def test_classify_secret_by_name(name: str, value: str, reason: str) -> None:
    verdict = classify(name, value)
    assert verdict.secret
    assert verdict.reason == reason


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("DATABASE_URL", "postgres://app:PLANTED-pw@db:5432/app", "a URL with a password"),
    ("REDIS_URL", "redis://:PLANTED-pw@redis:6379/0", "a URL with a password"),
    ("BROKER", "amqp://guest:PLANTED@rabbit:5672/", "a URL with a password"),
    ("MONGO", "mongodb+srv://u:PLANTED@cluster0.example.net/db", "a URL with a password"),
    ("JAVA_OPTS", "-Dspring.datasource.url=jdbc:mysql://u:PLANTED@db/x -Xmx1g", "a URL with a password"),
    ("JDBC", "jdbc:postgresql://db/app?user=u&password=PLANTED", "a URL with a password or token in its query"),
    ("HOOK", SLACK_HOOK, "a webhook URL"),
    ("NOTIFY", "https://discord.com/api/webhooks/123/PLANTED", "a webhook URL"),
    ("CERT_AND_KEY", PEM, "a PEM private key"),
    ("DB", "Server=db;Database=app;User Id=sa;Password=PLANTED;", "a connection string with a password"),
    ("DB", "Host=db;Pwd=PLANTED", "a connection string with a password"),
    ("CI", GH, "the shape of an access token"),
    ("GL", "glpat-" + "PLANTEDxxxxxxxxxxxxxx", "the shape of an access token"),
    ("CHAT", "xoxb-" + "123456789012-PLANTED", "the shape of an access token"),
    ("PAY", "sk_live_" + "PLANTEDxxxxxxxxxxxxxxxx", "the shape of an access token"),
    ("LLM", "sk-" + "PLANTED" * 5, "the shape of an access token"),
    ("AWS_ACCESS_KEY_ID", AWS, "the shape of an access token"),
    ("MAPS", "AIza" + "PLANTED" * 5, "the shape of an access token"),
    ("REGISTRY", "npm_" + "PLANTEDxxxxx" * 3, "the shape of an access token"),
    ("BEARER", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEIn0.PLANTEDsignature", "the shape of an access token"),
    ("OPAQUE", RANDOM, "the value looks random"),
])
def test_classify_secret_by_value(name: str, value: str, reason: str) -> None:
    verdict = classify(name, value)
    assert verdict.secret
    assert reason in verdict.reason
    assert value not in verdict.reason and "PLANTED" not in verdict.reason


@pytest.mark.parametrize(("name", "value"), [
    ("AUTH_TYPE", "trust"),
    ("POSTGRES_HOST_AUTH_METHOD", "trust"),
    ("AUTH_METHOD", "ldap"),
    ("POSTGRES_HOST_AUTH", "trust"),  # an AUTH variable naming a method
    ("PASSWORD_MIN_LENGTH", "12"),
    ("PASSWORD_ENABLED", "true"),
    ("MYSQL_ALLOW_EMPTY_PASSWORD", "false"),  # a switch
    ("GF_AUTH_ANONYMOUS_ENABLED", "true"),
    ("MYSQL_ROOT_PASSWORD_FILE", "/run/secrets/db-password"),
    ("TOKEN_TTL", "3600"),
    ("TOKEN_URL", "https://auth.example.com/oauth/token"),
    ("AWS_ACCESS_KEY_ID", "my-key-id"),  # an identifier: only an AKIA value is caught
    ("KMS_KEY_ID", "alias/app"),
    ("SSH_PUBLIC_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLANTED user@host"),
    ("RECAPTCHA_SITE_KEY", "6LcPLANTED"),
    ("CACHE_KEY", "v2"),
    ("TLS_KEY", "/etc/tls/tls.key"),  # a path: the file is the secret, not its name
    ("xpack.security.http.ssl.key", "certs/elasticsearch-key.pem"),
    ("PIN_MEMORY", "true"),
    ("TOKENIZERS_PARALLELISM", "false"),
    ("PGPASSFILE", "/root/.pgpass"),
    ("PASS_THROUGH", "1"),
    ("DB_PASSWORD", ""),
    ("DB_PASSWORD", "${DB_PASSWORD}"),  # a reference holds no value
    ("WEBHOOK_URL", "https://${SUBDOMAIN}.${DOMAIN_NAME}/"),  # n8n's public base URL
    ("JAVA_OPTS", "-Xms64m -Xmx128m -XX:PermSize=32m"),
    ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
    ("LD_LIBRARY_PATH", "/usr/local/nvidia/lib64:/usr/local/cuda/lib64"),
    ("NODE_ENV", "production"),
    ("LOG_LEVEL", "debug"),
    ("TZ", "Europe/Paris"),
    ("LANG", "C.UTF-8"),
    ("DATABASE_URL", "postgres://db:5432/app"),  # no credentials
    ("KAFKA_URL", "kafka://redpanda:9092/order"),
    ("ZIPKIN", "http://zipkin.jaeger.svc.cluster.local:9411/api/v1/spans"),
    ("IMAGE", "nginx@sha256:" + "0123456789abcdef" * 4),
    ("ARTIFACT_SHA256", "0123456789abcdef" * 4),  # a checksum: hex only
    ("GIT_COMMIT", "3f786850e387550fdab836ed7e6dc881de23001b"),
    ("REQUEST_ID", "123e4567-e89b-12d3-a456-426614174000"),  # a UUID
    ("UPPER_UUID", "123E4567-E89B-12D3-A456-426614174000"),
    ("CASSANDRA_SEED_PROVIDER", "io.k8s.cassandra.KubernetesSeedProvider"),
    ("MODEL_ID", "google/gemma-3-1b-it"),
    ("DATA_DIR", "/var/lib/postgresql/data/pgdata/VeryLongFolderName2024"),
    ("CLASS", "OrgSpringframeworkBootAutoconfigureWebServlet"),  # words, no digit
    ("KAFKA_CLUSTER_ID", "MkU3OEVBNTcwNTJENDM2Qk"),  # 22 characters: below the length floor
    ("SERVICE_NAME", "ProductCatalogService2024Version1Alpha"),  # words and digits: under 4 bits
])
def test_classify_plain(name: str, value: str) -> None:
    assert not classify(name, value), classify(name, value).reason


@pytest.mark.parametrize(("name", "expected"), [
    ("dbPassword", ["DB", "PASSWORD"]),
    ("AWS_SECRET_ACCESS_KEY", ["AWS", "SECRET", "ACCESS", "KEY"]),
    ("xpack.security.http.ssl.key", ["XPACK", "SECURITY", "HTTP", "SSL", "KEY"]),
    ("HTTPServerToken", ["HTTP", "SERVER", "TOKEN"]),
    ("client-secret", ["CLIENT", "SECRET"]),
])
def test_words_split(name: str, expected: list[str]) -> None:
    assert words(name) == expected


def test_by_name_no_value_decides_by_name() -> None:
    assert classify("DB_PASSWORD", None).secret
    assert not classify("DB_HOST", None).secret
    assert not by_name("AUTH_TYPE")


def test_by_value_empty_is_plain() -> None:
    assert not by_value("")


def test_by_value_reference_as_password_is_plain() -> None:
    assert not by_value("postgres://app:${DB_PASSWORD}@db/app")
    assert not by_value("postgres://app:$(DB_PASSWORD)@db/app")


def test_by_value_certificate_is_plain() -> None:
    cert = "-----BEGIN CERTIFICATE-----\nMIIBPLANTED\n-----END CERTIFICATE-----\n"
    assert not by_value(cert, random=False)


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("AUTH_TYPE", "trust", True),  # --secret wins over the name
    ("DB_PASSWORD", "hunter2", False),  # --not-secret keeps it plain
    ("DATABASE_URL", "postgres://u:p@h/db", False),  # ... even when the value says otherwise
    ("OTHER_PASSWORD", "hunter2", True),  # other names are still classified
])
def test_secret_rules_override(name: str, value: str, secret: bool) -> None:
    rules = SecretRules(frozenset({"AUTH_TYPE"}), frozenset({"DB_PASSWORD", "DATABASE_URL"}))
    assert rules.classify(name, value).secret is secret


def test_secret_rules_secret_wins_over_not_secret() -> None:
    rules = SecretRules(frozenset({"X"}), frozenset({"X"}))
    assert rules.classify("X", "plain").secret


@pytest.mark.parametrize(("path", "text"), [
    ("/run/secrets/db_password", "anything"),
    ("/var/run/secrets/token", None),
    ("/home/app/.ssh/id_rsa", None),
    ("/root/.ssh/id_ed25519", None),
    ("/etc/tls/server.key", None),
    ("/etc/tls/server.pem", None),
    ("/certs/keystore.jks", None),
    ("/certs/client.p12", None),
    ("/certs/client.pfx", None),
    ("/home/node/.npmrc", None),
    ("/root/.netrc", None),
    ("/root/.pgpass", None),
    ("/app/credentials.json", None),
    ("/etc/nginx/htpasswd", None),
    ("/etc/nginx/.htpasswd", None),
    ("/root/.kube/kubeconfig", None),
    ("/root/.dockercfg", None),
    ("/root/.docker/config.json", None),
    ("/etc/app/app.conf", PEM),
    ("/etc/app/npm.conf", "//registry.npmjs.org/:_authToken=PLANTED\n"),
    ("/etc/app/login.conf", "machine example.com login me password PLANTED\n"),
    ("/etc/app/settings.yml", "db:\n  host: db\n  password: PLANTED\n"),
    ("/etc/app/app.env", "export API_TOKEN=PLANTED\n"),
    ("/etc/app/app.ini", "[db]\nurl = postgres://u:PLANTED@db/app\n"),
])
def test_classify_file_secret(path: str, text: str | None) -> None:
    verdict = classify_file(path, text)
    assert verdict.secret
    assert "PLANTED" not in verdict.reason


@pytest.mark.parametrize(("path", "text"), [
    ("/etc/nginx/nginx.conf", "server { listen 80; }\n"),
    ("/etc/tls/server.crt", "-----BEGIN CERTIFICATE-----\nMIIB" + "Ab3dE" * 12 + "\n-----END CERTIFICATE-----\n"),
    ("/etc/app/settings.yml", "db:\n  password: ${DB_PASSWORD}\n  password_min_length: 12\nkey: value\n"),
    ("/etc/app/settings.yml", "auth:\n  password_enabled: true\n  type: trust\n"),
    ("/etc/prometheus/prometheus.yml", "global:\n  scrape_interval: 15s\n"),
    ("/entrypoint.sh", "declare -A users_passwords\nusers_passwords=(\n\t[kibana]=\"${KIBANA_PASSWORD:-}\"\n)\n"),
    ("/usr/share/nginx/html/index.html", "<html>token of appreciation</html>\n"),
])
def test_classify_file_plain(path: str, text: str) -> None:
    assert not classify_file(path, text), classify_file(path, text).reason


@pytest.mark.parametrize("length", [32, 43, 44, 50, 64])
def test_by_value_random_strings_caught(length: int) -> None:
    """Generated keys (base62 and base64 of the usual lengths) are caught by value alone: the
    thresholds keep ~1% of them out (no digit, or too many lower-case pairs), hence 95%."""
    rng = random.Random(19)
    alphabet = string.ascii_letters + string.digits
    keys = ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(500)]
    keys += [base64.b64encode(rng.randbytes(length))[:length].decode() for _ in range(500)]
    assert sum(bool(by_value(k)) for k in keys) >= 0.95 * len(keys)
