"""What compare takes from the target registry (no platform): a target without compare hooks
gets the static comparison and is listed by a live run as not measured; the static part and
the report load no platform client; titles and chart colours come from the registration."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from crossdock import targets
from crossdock.adapters.compare.engine import Options, compare
from crossdock.adapters.compare.model import CompareResult, Figure, StaticResult
from crossdock.adapters.compare.session import Guard
from crossdock.cli.compare import charts, table
from crossdock.errors import CrossdockError
from crossdock.specs.loader import LoadedSpec, load
from crossdock.targets import Connection, RenderOptions, Target
from crossdock.translators.base import Bundle, Translator, get
from test_compare_cli import KUBECONFIG  # an API server on a closed port

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop" / "app.yaml"


class PlainTranslator:
    """The Swarm translator's files under another target's name: a target whose registration
    has a translator and a support column, and no compare hooks."""

    name = "plain"

    def translate(self, spec: LoadedSpec) -> Bundle:
        return dataclasses.replace(get("swarm").translate(spec), target="plain")


def _plain(options: RenderOptions) -> Translator:
    return PlainTranslator()


PLAIN = Target("plain", "Plain Target", _plain, targets.get("swarm").support)


@pytest.fixture
def with_plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry with PLAIN added after the built-in targets."""
    registered = {t.name: t for t in targets.all_targets()}
    monkeypatch.setattr(targets, "_registry", lambda: {**registered, "plain": PLAIN})
    charts._colors.cache_clear()
    yield
    charts._colors.cache_clear()


def test_compare_target_without_hooks_static_counts_files_and_live_not_measured(with_plain: None) -> None:
    said: list[str] = []
    opts = Options(str(SHOP), ["plain"], ["status"], repeat=1, env="local")
    result = compare(opts, Guard(), said.append)
    files = get("swarm").translate(load(str(SHOP), env="local")).files
    static = result.static[0]
    assert (static.target, static.files, static.objects) == ("plain", len(files), len(files))
    assert static.features["cron_jobs"] == "unsupported"  # the Swarm column it registers
    tr = result.targets[0]
    assert (tr.target, tr.measured, tr.scenarios, tr.leftovers) == ("plain", False, [], [])
    assert tr.reason == "not measured: plain has no live comparison (its target registers no compare hooks)"


def test_compare_titles_and_colours_from_the_registry(with_plain: None) -> None:
    r = CompareResult("app.yaml", "", None, "demo", 1, [])
    r.static = [StaticResult(t, 1, 1, 1, Figure("render time", "ms", [1.0]), {}, []) for t in ("swarm", "plain", "gone")]
    header = table.text(r).splitlines()[2]
    assert header.split() == ["Docker", "Swarm", "Plain", "Target", "gone"]  # a name no longer registered: as is
    # the colours the platform test finds in the report's pixels (test_compare_platforms K8S_BLUE, SWARM_ORANGE)
    assert charts.target_color("kubernetes") == "#326ce5" and charts.target_color("swarm") == "#e8710a"
    assert charts.target_color("plain") == charts.GREY == charts.target_color("gone")


def test_compare_hook_colour_not_rgb_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    class Loud:
        color = '"/><script>x</script>'

    def hooks(c: Connection) -> Loud:
        return Loud()

    loud = dataclasses.replace(targets.get("swarm"), name="loud", compare=hooks)  # type: ignore[arg-type]
    monkeypatch.setattr(targets, "_registry", lambda: {"loud": loud})
    charts._colors.cache_clear()
    try:
        assert charts.target_color("loud") == charts.GREY
    finally:
        charts._colors.cache_clear()


def test_compare_kubernetes_unreachable_leaves_nothing_to_clean(tmp_path: Path) -> None:
    """The run's own namespace is asked for only once the API server answered: a server that
    does not answer leaves no leftover line."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    factory = targets.get("kubernetes").compare
    assert factory is not None
    hooks = factory(Connection(kubeconfig=str(kubeconfig)))
    with pytest.raises(CrossdockError):
        hooks.versions("shop-cmp-0000")
    assert hooks.cleanup() == []


def test_compare_static_and_report_load_no_platform_client(tmp_path: Path) -> None:
    code = ("import sys\n"
            "from crossdock.cli.main import main\n"
            f"rc = main(['compare', {str(SHOP)!r}, '--env', 'local', '--scenarios', 'none', '-o', 'json', "
            f"'--report', {str(tmp_path / 'rep')!r}])\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'docker', 'nomad'}), "
            "file=sys.stderr)\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stderr
    assert (tmp_path / "rep" / "report.html").stat().st_size > 0
