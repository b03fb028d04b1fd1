"""The Nomad adapter's connection settings: environment, overrides and explicit TLS verification
(python-nomad's own default is not to verify)."""

from __future__ import annotations

import pytest

from crossdock.adapters.nomad.adapter import NomadAdapter
from crossdock.adapters.nomad.conn import DEFAULT_ADDRESS, NomadSettings
from crossdock.errors import PlatformUnreachable
from nomad_fixtures import standin  # noqa: F401
from nomad_standin import NomadStandIn

ENV = {"NOMAD_ADDR": "https://nomad.example.test:4646", "NOMAD_TOKEN": "env-token", "NOMAD_NAMESPACE": "team",
       "NOMAD_REGION": "eu", "NOMAD_CACERT": "/etc/nomad/ca.pem", "NOMAD_CLIENT_CERT": "/etc/nomad/cli.pem",
       "NOMAD_CLIENT_KEY": "/etc/nomad/cli-key.pem"}


def test_nomad_settings_from_environment() -> None:
    s = NomadSettings.resolve(ENV)
    assert (s.address, s.token, s.namespace, s.region) == ("https://nomad.example.test:4646", "env-token", "team",
                                                           "eu")
    assert s.verify == "/etc/nomad/ca.pem" and not s.skip_verify


def test_nomad_settings_arguments_override_environment() -> None:
    s = NomadSettings.resolve(ENV, token="arg-token", namespace="other", skip_verify=True, timeout=3)
    assert (s.token, s.namespace, s.timeout, s.verify) == ("arg-token", "other", 3, False)
    assert NomadSettings.resolve({}).address == DEFAULT_ADDRESS


@pytest.mark.parametrize(("env", "verify"), [
    ({}, True),
    ({"NOMAD_CACERT": "/ca.pem"}, "/ca.pem"),
    ({"NOMAD_CACERT": "/ca.pem", "NOMAD_SKIP_VERIFY": "true"}, False),
])
def test_nomad_settings_verification_is_passed_to_the_client(env: dict[str, str], verify: bool | str) -> None:
    adapter = NomadAdapter(environ=env)
    assert adapter.conn.client.jobs.verify == verify
    assert adapter.conn.client.variable.verify == verify


def test_nomad_settings_client_certificate_is_passed() -> None:
    adapter = NomadAdapter(environ=ENV)
    assert adapter.conn.client.job.cert == ("/etc/nomad/cli.pem", "/etc/nomad/cli-key.pem")
    assert adapter.conn.client.job.token == "env-token"


def test_nomad_settings_tls_to_a_plain_http_port_is_unreachable(standin: NomadStandIn) -> None:
    address = standin.address.replace("http://", "https://")
    with pytest.raises(PlatformUnreachable, match="TLS handshake failed"):
        NomadAdapter(address=address, token=standin.token, environ={}).status("shop")
