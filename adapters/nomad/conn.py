"""The Nomad adapter's connection: settings, the python-nomad client, and its errors.

Settings come from the environment Nomad's own CLI reads (NOMAD_ADDR, NOMAD_TOKEN,
NOMAD_NAMESPACE, NOMAD_REGION, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY,
NOMAD_SKIP_VERIFY); arguments override them.  python-nomad does not verify TLS certificates
unless told to (``verify=False`` by default), so verification is always passed explicitly: the
CA file when one is given, the system's CAs otherwise, off only with NOMAD_SKIP_VERIFY.

Every call goes through ``Connection.call``, which counts it (``AppStatus.api_calls``) and turns
every client exception into a crossdock ``PlatformError`` (``from e``).  python-nomad raises
``BaseNomadException`` holding either the HTTP response or the ``requests`` exception, and its
``TimeoutNomadException`` is a ``requests`` exception, not a ``BaseNomadException``: both
families are caught here.  Nomad answers a bad ACL token with 403 "ACL token not found" and a
token without the right policy with 403 "Permission denied"; job validation errors come back as
500 with the validation text, so a 500 from a register or plan is a rejection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

import nomad  # type: ignore[import-untyped]
import nomad.api.exceptions as nomad_errors  # type: ignore[import-untyped]
import requests

from crossdock.errors import (PlatformError, PlatformForbidden, PlatformRejected, PlatformTimeout,
                              PlatformUnauthorized, PlatformUnreachable)

T = TypeVar("T")
DEFAULT_ADDRESS = "http://127.0.0.1:4646"
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NomadSettings:
    address: str = DEFAULT_ADDRESS
    token: str | None = None
    namespace: str | None = None
    region: str | None = None
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    skip_verify: bool = False
    timeout: float = 10.0  # seconds for one HTTP request

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> NomadSettings:
        """Environment first, then every override that is not None."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "address": env.get("NOMAD_ADDR") or DEFAULT_ADDRESS,
            "token": env.get("NOMAD_TOKEN") or None,
            "namespace": env.get("NOMAD_NAMESPACE") or None,
            "region": env.get("NOMAD_REGION") or None,
            "ca_cert": env.get("NOMAD_CACERT") or None,
            "client_cert": env.get("NOMAD_CLIENT_CERT") or None,
            "client_key": env.get("NOMAD_CLIENT_KEY") or None,
            "skip_verify": env.get("NOMAD_SKIP_VERIFY", "").lower() in _TRUE,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def verify(self) -> bool | str:
        if self.skip_verify:
            return False
        return self.ca_cert or True


class Connection:
    """One python-nomad client, the call counter and the error translation."""

    def __init__(self, settings: NomadSettings) -> None:
        self.settings = settings
        self.calls = 0
        cert = (settings.client_cert, settings.client_key) if settings.client_cert and settings.client_key else ()
        self.client: Any = nomad.Nomad(address=settings.address.rstrip("/"), token=settings.token,
                                       namespace=settings.namespace, region=settings.region,
                                       timeout=settings.timeout, verify=settings.verify, cert=cert)

    def call(self, what: str, fn: Callable[..., T], *args: Any, rejection: bool = False,
             redact: tuple[str, ...] = (), secret_body: bool = False, **kwargs: Any) -> T:
        """Run one API call. ``what`` says what it was for, in the error message; a 500 counts
        as a rejection when ``rejection``; ``secret_body`` drops a 409's body from the error
        and from the chained exception (Nomad answers a compare-and-set conflict with the
        Variable, items included).
        Raises PlatformError (a subclass per cause)."""
        self.calls += 1
        try:
            return fn(*args, **kwargs)
        except (nomad_errors.BaseNomadException, nomad_errors.TimeoutNomadException, requests.RequestException,
                ValueError) as e:
            resp = getattr(e, "nomad_resp", None)
            if secret_body and isinstance(resp, requests.Response) and resp.status_code == 409:
                resp._content = b"(body withheld: it may hold Variable items)"
            raise self.error(e, what, rejection, redact) from e

    def error(self, e: Exception, what: str, rejection: bool = False, redact: tuple[str, ...] = ()) -> PlatformError:
        """The crossdock error for client exception ``e``; secret texts in ``redact`` are masked."""
        where = f"Nomad at {self.settings.address}"
        cause: object = e.nomad_resp if isinstance(e, nomad_errors.BaseNomadException) else e
        if isinstance(cause, requests.Response):
            return _http_error(cause.status_code, _clean(cause.text, redact), what, where, rejection)
        if isinstance(cause, (requests.ConnectTimeout, requests.ConnectionError)):
            tls = " (TLS handshake failed: check NOMAD_CACERT / NOMAD_CLIENT_CERT)" \
                if isinstance(cause, requests.exceptions.SSLError) else ""
            return PlatformUnreachable(f"{what}: cannot reach {where}{tls}; is the agent running and NOMAD_ADDR "
                                       f"right?")
        if isinstance(cause, (requests.Timeout, nomad_errors.TimeoutNomadException)):
            return PlatformTimeout(f"{what}: {where} did not answer within {self.settings.timeout:g}s")
        if isinstance(cause, ValueError):
            return PlatformError(f"{what}: {where} answered with something that is not JSON; is NOMAD_ADDR a "
                                 f"Nomad agent?")
        return PlatformError(f"{what}: {where}: {_clean(str(cause), redact)}")


def _http_error(code: int, text: str, what: str, where: str, rejection: bool) -> PlatformError:
    if code == 403 and "token not found" in text.lower() or code == 401:
        return PlatformUnauthorized(f"{what}: {where} does not accept this ACL token ({code} {text}); check "
                                    f"NOMAD_TOKEN")
    if code == 403:
        return PlatformForbidden(f"{what}: {where} refused: the ACL token may not do this ({code} {text}); it "
                                 f"needs a policy with the job and variable capabilities for the namespace")
    if code == 409 or "Enforcing job modify index" in text:
        return PlatformRejected(f"{what}: changed by someone else meanwhile ({code} {text}); run the command again")
    if code == 400 or (rejection and code == 500):
        return PlatformRejected(f"{what}: {where} rejected it ({code}): {text}")
    if code == 404:
        return PlatformError(f"{what}: not found on {where} (404 {text})")
    return PlatformError(f"{what}: {where} answered {code}: {text}")


def _clean(text: str, redact: tuple[str, ...]) -> str:
    out = " ".join(text.split())
    for secret in sorted(redact, key=len, reverse=True):
        if secret:
            out = out.replace(secret, "***")
    return out[:2000]


def not_found(e: PlatformError) -> bool:
    """Whether ``e`` was a 404 (an absent job or Variable)."""
    cause = e.__cause__
    resp = getattr(cause, "nomad_resp", None)
    return isinstance(resp, requests.Response) and resp.status_code == 404
