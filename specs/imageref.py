"""Image references, checked as docker, containerd and the kubelet parse them.

One function, ``image_problem``, says why a string is not an image reference (a hint a person
can act on) or None; the spec's ``image`` type and the importers use it.
"""

from __future__ import annotations

import re

# The image reference grammar of distribution/reference (regexp.go; NameTotalLengthMax = 255 in
# reference.go), which docker, containerd and so the kubelet and Nomad's docker driver parse:
#   reference  := name [ ":" tag ] [ "@" digest ]
#   name       := [domain "/"] path-component ["/" path-component]*
#   domain     := domain-component ["." domain-component]* [":" port] | "[" IPv6 "]" [":" port]
#   path-component := [a-z0-9]+ (separator [a-z0-9]+)*    separator := [._] | "__" | "-"+
#   tag        := [\w][\w.-]{0,127}                         (Go's \w: ASCII letters, digits, _)
#   digest     := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,}
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_IMAGE_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_IMAGE_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_IMAGE_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_IMAGE_REF = re.compile(rf"(?P<name>{_IMAGE_NAME})(?::(?P<tag>{_IMAGE_TAG}))?(?:@(?P<digest>{_IMAGE_DIGEST}))?")
IMAGE_NAME_MAX = 255
# Longest reference worth matching: a name, a tag, and a digest of a long algorithm (sha512 is
# 128 hex digits); anything longer is refused before the pattern runs.
_IMAGE_MAX = IMAGE_NAME_MAX + 1 + 128 + 1 + 200
IMAGE_EXPECTED = "an image reference like registry/name:tag@sha256:..."


def image_problem(v: str) -> str | None:
    """Why ``v`` is not an image reference (a hint for the person), or None when it is one."""
    m = _IMAGE_REF.fullmatch(v) if 0 < len(v) <= _IMAGE_MAX else None
    if m is not None and len(m.group("name")) <= IMAGE_NAME_MAX and _repository(m.group("name")) == _repository(m.group("name")).lower():
        return None
    if not v:
        return "the image is empty; a variable set to an empty value?"
    if any(not c.isprintable() or c.isspace() for c in v):
        return "remove the spaces and control characters"
    if "://" in v:
        return "an image has no scheme: write registry.example.com/app:1.0, not https://..."
    name, _, digest = v.partition("@")
    if digest and not re.fullmatch(_IMAGE_DIGEST, digest):
        return "a digest is an algorithm and hex digits, such as sha256: and 64 of 0-9a-f"
    slash = name.rfind("/")
    colon = name.rfind(":")
    repo, tag = (name[:colon], name[colon + 1:]) if colon > slash else (name, None)
    if tag is not None and not re.fullmatch(_IMAGE_TAG, tag):
        return "a tag is at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
    if len(repo) > IMAGE_NAME_MAX:
        return f"the name before the tag is at most {IMAGE_NAME_MAX} characters"
    if _repository(repo) != _repository(repo).lower():
        return "the repository name, after the registry, is lowercase"
    return ("the name is lowercase letters and digits, in parts separated by '/', joined by '.', '_', "
            "'__' or '-' (after an optional registry host[:port]/)")


def _repository(name: str) -> str:
    """The name after its registry, as docker tells one (splitDockerDomain in normalize.go): the
    first part is a registry when it holds '.' or ':' or is localhost; the rest is lowercase."""
    first, _, rest = name.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else name
