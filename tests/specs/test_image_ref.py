"""Image references: the spec's image field follows distribution/reference's grammar.

The expected verdicts come from that grammar (regexp.go, reference.go's 255-character name
limit, normalize.go's lowercase repository rule), as docker and containerd apply it, not from
crossdock's own output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crossdock.errors import SpecError
from crossdock.specs.loader import load
from crossdock.specs.imageref import image_problem

ROOT = Path(__file__).resolve().parent.parent.parent
DIGEST = "sha256:" + "0123456789abcdef" * 4

VALID = [
    "nginx", "nginx:1.27", "nginx:1.27-alpine", "library/nginx:latest", "docker.io/library/nginx:1.27",
    "gcr.io/cadvisor/cadvisor:v0.49.1", "localhost/app", "localhost:5000/team/app:1.0", "registry:5000/app",
    "127.0.0.1:5000/app", "[::1]:5000/app:2", "[2001:db8::1]/app", "MyRegistry.example.com/app:1",
    "a", "a/b/c/d/e", "app__name", "app.name", "app_name", "app---name", "my-app:_tag", "app:TAG.1-x_y",
    f"nginx@{DIGEST}", f"nginx:1.27@{DIGEST}", f"reg.io/a/b:c@{DIGEST}", "app@sha512:" + "ab" * 64,
    "app@sha256+b64u:" + "0" * 32, "app:" + "t" * 128, "a/" + "b" * 253,
]

INVALID = [
    ("", "the image is empty"),
    ("nginx:1.27\x1b[31m", "control characters"),
    ("nginx\n:1.27", "control characters"),
    ("nginx 1.27", "spaces"),
    ("https://registry.example.com/app:1", "no scheme"),
    ("Nginx:1.27", "lowercase"),
    ("library/Nginx", "lowercase"),
    ("Team/app", "lowercase"),  # no '.' or ':': Team is no registry, so the repository has capitals
    ("registry.example.com/App:1", "lowercase"),
    ("nginx:.hidden", "a tag is"),
    ("nginx:-x", "a tag is"),
    ("nginx:" + "t" * 129, "a tag is"),
    ("nginx:a:b", "the name is"),  # "nginx:a" would be a registry with port "a"
    ("nginx:é", "a tag is"),
    ("nginx@sha256:abc", "a digest is"),
    ("nginx@sha256:" + "g" * 64, "a digest is"),
    ("nginx@" + "0" * 64, "a digest is"),
    ("a/" + "b" * 254, "at most 255"),
    ("app-", "the name is lowercase"),
    ("-app", "the name is lowercase"),
    ("a//b", "the name is lowercase"),
    ("app/", "the name is lowercase"),
    ("app..x", "the name is lowercase"),
    ("app___x", "the name is lowercase"),
    ("reg.io:port/app", "the name is lowercase"),
    ("nginx:${TAG}", "a tag is"),
]


@pytest.mark.parametrize("image", VALID)
def test_image_ref_valid_references_pass(image: str) -> None:
    assert image_problem(image) is None


@pytest.mark.parametrize(("image", "why"), INVALID, ids=[repr(i)[:40] for i, _ in INVALID])
def test_image_ref_invalid_references_say_why(image: str, why: str) -> None:
    problem = image_problem(image)
    assert problem is not None and why in problem


def test_image_ref_long_input_is_refused_at_once() -> None:
    assert image_problem("a" * 1_000_000 + "!") is not None


def _spec(image: str) -> str:
    return ("apiVersion: crossdock/v1\nkind: App\nmetadata:\n  name: demo\nservices:\n  web:\n"
            f"    image: {image}\n")


def test_image_ref_spec_problem_has_location_expectation_and_hint(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(_spec('"Nginx:1.27"'))
    with pytest.raises(SpecError) as info:
        load(str(path))
    (p,) = info.value.problems
    assert p.location is not None and (p.location.line, p.location.column) == (7, 12)
    assert p.path == "services.web.image"
    assert p.message.startswith("expected an image reference like registry/name:tag@sha256:..., got 'Nginx:1.27'")
    assert "lowercase" in p.message


def test_image_ref_checked_after_variables_are_substituted(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(_spec("${REGISTRY}/app:${TAG}"))
    app = load(str(path), environ={"REGISTRY": "reg.example.com:5000", "TAG": "1.0"}).app
    assert app.services["web"].image == "reg.example.com:5000/app:1.0"
    with pytest.raises(SpecError, match=r"services\.web\.image: expected an image reference"):
        load(str(path), environ={"REGISTRY": "reg.example.com:5000", "TAG": "bad tag"})


# ---- nothing that validated before is refused ---------------------------------------------------

_IMAGE_LINE = re.compile(r"""^\s*(?:-\s+)?"?image"?\s*[:=]\s*["']?([^"'\s#]+)["']?\s*$""", re.M)
SOURCES = [ROOT / "examples", ROOT / "tests" / "golden", ROOT / "tests" / "fixtures"]


def _literal_images() -> list[tuple[str, str]]:
    out = []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".yaml", ".yml", ".json", ".hcl", ".nomad"}:
                for m in _IMAGE_LINE.finditer(path.read_text(encoding="utf-8", errors="replace")):
                    if "$" not in m.group(1) and "{{" not in m.group(1):
                        out.append((str(path.relative_to(ROOT)), m.group(1).rstrip(",")))
    return out


IMAGES = _literal_images()


def test_image_ref_corpus_of_images_is_found() -> None:
    assert len({image for _, image in IMAGES}) >= 40, IMAGES


@pytest.mark.parametrize(("where", "image"), sorted(set(IMAGES)))
def test_image_ref_every_image_in_examples_golden_and_fixtures_passes(where: str, image: str) -> None:
    assert image_problem(image) is None, where
