"""Quoting filters: any string reaches the platform byte-for-byte unchanged.

Every scalar a template (or the Nomad HCL writer, ``nomad/hcl.py``) writes goes through the
filter of its target's syntax:

- ``yaml``: a double-quoted YAML scalar, so no string is read back as a boolean (YAML 1.1
  ``on``/``no``/``y``), a number (``0755``, ``1e3``), null (``~``) or structure (``: ``, ``#``,
  leading ``-``/``*``/``&``/``!``).  Characters YAML does not allow raw, or would fold as line
  breaks (NEL, LS, PS), are escaped.  Built on ``json.dumps(ensure_ascii=False)`` rather than
  Jinja's ``tojson``, which escapes ``<>&`` and makes golden files unreadable.
- ``compose``: ``yaml`` after doubling every ``$``, since ``docker stack deploy`` interpolates
  ``$VAR``/``${VAR}`` anywhere in a stack file and reads ``$$`` as one ``$``.
- ``hcl``: an HCL quoted string, escaping ``${`` and ``%{`` (template interpolation and
  directives) as ``$${`` and ``%%{``.

Non-string scalars (booleans, numbers, null) are written in the target's own literal syntax.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

# Not YAML-printable, or a line break YAML would fold inside a double-quoted scalar.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _u_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group(0)):04x}"


def _literal(value: Any, null: str) -> str:
    if value is None:
        return null
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"not a scalar: {type(value).__name__}")


# json's C string encoder (what json.dumps(ensure_ascii=False) uses for a str, without building
# an encoder object per call): rendering calls these filters once per scalar, hundreds of
# thousands of times for a big app, and the same label and key strings recur.
_json_str: Any = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


@lru_cache(maxsize=65536)
def _yaml_str(value: str) -> str:
    return _YAML_UNSAFE.sub(_u_escape, _json_str(value))


def yaml_scalar(value: Any) -> str:
    if not isinstance(value, str):
        return _literal(value, "null")
    return _yaml_str(value)


def compose_scalar(value: Any) -> str:
    if isinstance(value, str):
        value = value.replace("$", "$$")
    return yaml_scalar(value)


# C0 and C1 controls and the Unicode line separators are escaped: a raw NEL (U+0085), U+2028 or
# U+2029 is read fine by HCL but breaks the line for editors and line-based tools.
_HCL_ESCAPES = {i: f"\\u{i:04x}" for i in (*range(0x20), *range(0x80, 0xA0))}
_HCL_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"', ord("\\"): "\\\\",
                     0x7F: "\\u007f", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def hcl_scalar(value: Any) -> str:
    if not isinstance(value, str):
        return _literal(value, "null")
    return _hcl_str(value)


@lru_cache(maxsize=65536)
def _hcl_str(value: str) -> str:
    text = value.translate(_HCL_ESCAPES).replace("${", "$${").replace("%{", "%%{")
    return f'"{text}"'


def go_template_literal(text: str) -> str:
    """Text for a Nomad template block's data that renders to exactly ``text``.

    consul-template reads ``{{`` as the start of an action; ``{{"{{"}}`` prints it literally.
    """
    return text.replace("{{", '{{"{{"}}')


# The templates' filters (Kubernetes, Swarm, compare); the Nomad writer calls hcl_scalar itself.
FILTERS = {"yaml": yaml_scalar, "compose": compose_scalar}
