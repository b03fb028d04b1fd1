"""adapters.deferred: the modules a client imports but crossdock's commands do not use are
stand-ins until first use, and then the real modules, for every way of reaching them."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_deferred_kubernetes_client_skips_oauth_until_used() -> None:
    out = run("""
        import sys
        import crossdock.adapters.kubernetes
        from crossdock.adapters.deferred import Deferred
        print("requests" in sys.modules, type(sys.modules["requests_oauthlib"]).__name__,
              type(sys.modules["oauthlib.oauth2"]).__name__)
        from kubernetes.config import kube_config
        session = kube_config.OAuth2Session(client_id="x")   # what the OIDC refresh calls
        import requests_oauthlib
        print(type(session).__module__, requests_oauthlib.OAuth2Session is type(session),
              type(sys.modules["requests_oauthlib"]).__name__, "requests" in sys.modules)
        # the attribute path kube_config takes when a refresh fails, and a submodule import
        print(kube_config.oauthlib.oauth2.rfc6749.errors.InvalidClientIdError.__name__)
        import oauthlib.oauth2.rfc6749.tokens
        print(type(sys.modules["oauthlib.oauth2"]).__name__, sys.modules["oauthlib"].oauth2 is sys.modules["oauthlib.oauth2"])
    """).split("\n")
    assert out[0] == "False Deferred Deferred"
    assert out[1] == "requests_oauthlib.oauth2_session True module True"
    assert out[2] == "InvalidClientIdError"
    assert out[3] == "module True"


def test_deferred_kubernetes_client_skips_dateutil_parser_until_used() -> None:
    out = run("""
        import sys
        import crossdock.adapters.kubernetes
        print(type(sys.modules["dateutil.parser"]).__name__, "dateutil.tz" in sys.modules)
        from kubernetes.client import ApiClient
        # what the client does with a date-time when it deserializes into its model classes
        when = ApiClient()._ApiClient__deserialize_datetime("2026-12-02T10:00:00+01:00")
        print(when.isoformat(), type(sys.modules["dateutil.parser"]).__name__)
        from dateutil.parser import parse, isoparse
        print(parse("2026-12-02").year, isoparse("2026-12-02T10:00:00Z").tzname())
    """).split("\n")
    assert out[0] == "Deferred False"
    assert out[1] == "2026-12-02T10:00:00+01:00 module"
    assert out[2] == "2026 UTC"


def test_deferred_charset_normalizer_under_requests() -> None:
    out = run("""
        import sys, warnings
        from importlib.metadata import version
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import crossdock.adapters.swarm_client
        stand_in = sys.modules["charset_normalizer"]
        print(type(stand_in).__name__, stand_in.__version__ == version("charset-normalizer"),
              [str(w.message) for w in caught if "charset" in str(w.message) or "chardet" in str(w.message)])
        import requests
        r = requests.models.Response()
        r._content, r.encoding = "caf\\u00e9 cr\\u00e8me br\\u00fbl\\u00e9e, d\\u00e9j\\u00e0 vu".encode("utf-8"), None
        print(r.apparent_encoding, r.text == "caf\\u00e9 cr\\u00e8me br\\u00fbl\\u00e9e, d\\u00e9j\\u00e0 vu",
              type(sys.modules["charset_normalizer"]).__name__, hasattr(stand_in, "from_bytes"))
    """).split("\n")
    assert out[0] == "Deferred True []"
    assert out[1] == "utf-8 True module True"


def test_deferred_leaves_missing_and_imported_modules_alone() -> None:
    out = run("""
        import sys, json
        from crossdock.adapters import deferred
        print(deferred.defer("no_such_module_crossdock"), "no_such_module_crossdock" in sys.modules,
              deferred.defer("json"), sys.modules["json"] is json)
        import requests
        print(deferred.charset_normalizer())
    """).split("\n")
    assert out[0] == "False False False True"
    assert out[1] == "False"
