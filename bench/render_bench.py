"""Render benchmarks for issue 2's targets; prints a Markdown table for bench/README.md.

- in-process render of generated apps (10, 100, 1,000 services) to all three targets;
- peak memory (max RSS) of a fresh process that loads and renders the 1,000-service app;
- cold `crossdock render examples/shop/app.yaml --target all` as a new process (with the
  per-user template cache warm, and empty), and `--help`.

Run: python bench/render_bench.py   (takes about a minute on 2 cores)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import spec_text  # noqa: E402

from crossdock.specs.loader import load  # noqa: E402
from crossdock.translators import base  # noqa: E402

ROOT = Path(__file__).parent.parent
# The built-in platforms, one column each in bench/README.md's table: this benchmark measures
# them, not whatever else is installed (crossdock.targets).
TARGETS = ("kubernetes", "swarm", "nomad")


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def in_process() -> list[str]:
    rows = ["| services | load | kubernetes | swarm | nomad | render, all targets | per service |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10, 100, 1000):
            path = Path(tmp) / f"app{n}.yaml"
            path.write_text(spec_text(n))
            repeat = 5 if n < 1000 else 3
            t_load = _best(lambda: load(str(path)), repeat)
            spec = load(str(path))
            for t in TARGETS:  # warm the template caches, as a long-lived process has them
                base.get(t).translate(spec)
            per = {t: _best(lambda t=t: base.get(t).translate(spec), repeat) for t in TARGETS}
            total = sum(per.values())
            rows.append(f"| {n} | {t_load*1000:.0f} ms | " + " | ".join(f"{per[t]*1000:.0f} ms" for t in TARGETS)
                        + f" | {total*1000:.0f} ms | {total/n*1e6:.0f} µs |")
    return rows


def peak_memory() -> str:
    code = ("import sys, resource; sys.path.insert(0, 'bench'); from generate import spec_text\n"
            "import tempfile, os\n"
            "from crossdock.specs.loader import load\nfrom crossdock.translators import base\n"
            "p = os.path.join(tempfile.mkdtemp(), 'a.yaml'); open(p, 'w').write(spec_text(1000))\n"
            "s = load(p)\n"
            "b = [base.get(t).translate(s) for t in ('kubernetes', 'swarm', 'nomad')]\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return f"peak RSS, load + render 1,000 services to all targets in a fresh process: {int(out.stdout) / 1024:.0f} MB"


def cold(argv: list[str], runs: int = 15, fresh_cache: bool = False) -> float:
    """Median wall time of ``argv`` as a new process.  The CLI keeps compiled templates in
    $XDG_CACHE_HOME/crossdock (translators/render.py): ``fresh_cache`` gives each run an empty
    one, as on a machine's very first run; otherwise the first run fills it for the others."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            env = {**os.environ, "TMPDIR": tmp}
            if fresh_cache:
                env["XDG_CACHE_HOME"] = os.path.join(tmp, f"cache-{i}")
            t0 = time.perf_counter()
            subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print("\n".join(in_process()))
    print()
    print(peak_memory())
    exe = [sys.executable, "-m", "crossdock"]
    with tempfile.TemporaryDirectory() as out:
        render = cold(exe + ["render", "examples/shop/app.yaml", "--target", "all", "-o", out, "-q"])
    print(f"cold `crossdock render examples/shop/app.yaml --target all` (new process, median of 15): {render*1000:.0f} ms")
    with tempfile.TemporaryDirectory() as out:
        first = cold(exe + ["render", "examples/shop/app.yaml", "--target", "all", "-o", out, "-q"], fresh_cache=True)
    print(f"  the same with an empty template cache each run (a machine's first run): {first*1000:.0f} ms")
    print(f"cold `crossdock --help` (median of 15): {cold(exe + ['--help'])*1000:.0f} ms")
    print(f"(`python -c pass` on this machine: {cold([sys.executable, '-c', 'pass'])*1000:.0f} ms)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    main()
