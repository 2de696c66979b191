"""Where the time of one district edition goes, stage by stage.

Run: .venv/bin/python benchmarks/bench_profile.py [--runs 9] [--district SLUG] [--print]

Three tables, medians of ``--runs`` runs, on the real project after ``build.py build`` (it reads the
kept body in output/.cache/body/, and writes nothing):

1. one warm edition: a renderer that has its body already (as a worker in a batch, or a
   ``district`` process after it read the kept body) makes the edition again and again. Each stage
   is timed exclusive of the stages it calls: the own HTML (Jinja), the own layout, the own write,
   the font merge, the rest of the join, the joined PDF read back (facts), the font check, the
   preflight rules, and what is left (``other``); checked by parts (the default), then whole (as
   ``release`` checks);
2. the fixed cost of one ``district SLUG`` process after a ``build``, before its edition: imports
   (a new interpreter), the shared inputs' key, the Portrait's inputs, the district's inputs, the
   kept body read back, the stylesheets parsed.

Every figure is from this run; on a busy machine all grow, their shares much less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import portrait  # noqa: E402
from portrait import PRINT, SCREEN, Project  # noqa: E402
from portrait.check.preflight import check_facts  # noqa: E402
from portrait.finish import assemble as assemble_module  # noqa: E402
from portrait.inputs.district import districts_folder  # noqa: E402
from portrait.publish.body_cache import BodyStore  # noqa: E402
from portrait.publish.cache import input_key  # noqa: E402
from portrait.render import renderer as renderer_module  # noqa: E402
from portrait.render.renderer import Renderer  # noqa: E402


class Stages:
    """Exclusive time per stage: a stage's time does not include the stages it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self._inner.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.seconds[label] += elapsed - self._inner.pop()
                if self._inner:
                    self._inner[-1] += elapsed

        return timed


def instrument(stages: Stages) -> None:
    """Wrap each stage of ``Renderer.edition`` where it is looked up."""
    own_html = Renderer.html

    def html(self: Renderer, edition: Any = None, parts: str = "all", linked: bool = False) -> str:
        if parts == "edition":
            return stages.wrap("own HTML (Jinja)", own_html)(self, edition, parts, linked)
        return own_html(self, edition, parts, linked)

    Renderer.html = html  # type: ignore[method-assign]
    Renderer.layout = stages.wrap("own layout (WeasyPrint)", Renderer.layout)  # type: ignore[method-assign]
    Renderer._pdf = stages.wrap("own write (WeasyPrint, uncompressed)", Renderer._pdf)  # type: ignore[method-assign]
    renderer_module.assemble = stages.wrap("join (pikepdf: pages, tags, outline, save)", renderer_module.assemble)
    assemble_module.share_fonts = stages.wrap("font merge (one subset per face)", assemble_module.share_fonts)
    renderer_module.read_facts = stages.wrap("joined PDF read back (facts)", renderer_module.read_facts)
    renderer_module.check_fonts = stages.wrap("font check", renderer_module.check_fonts)


def table(title: str, rows: dict[str, list[float]], total: list[float] | None = None) -> None:
    medians = {name: statistics.median(times) for name, times in rows.items()}
    whole = statistics.median(total) if total else sum(medians.values())
    print(f"\n{title}")
    print(f"  {'stage':<46} {'median':>9} {'share':>7}")
    for name, seconds in medians.items():
        print(f"  {name:<46} {seconds * 1000:7.1f} ms {seconds / whole:6.1%}")
    print(f"  {'total' + (' (wall, median)' if total else ' (sum of medians)'):<46} {whole * 1000:7.1f} ms")


def fixed_costs(project: Project, slug: str, variant: Any, runs: int) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = defaultdict(list)
    imports = "import portrait.publish.batch, portrait.publish.produce, portrait.render.renderer, portrait.cli"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONDONTWRITEBYTECODE": "", "HOME": home}
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", imports], check=True, env=env)
            rows["imports (a new interpreter)"].append(time.perf_counter() - start)
    shared = input_key(project, exclude=(districts_folder(project),))
    store = BodyStore.of(project, variant.name, shared)
    if store.read() is None:
        raise SystemExit(
            f"no kept {variant.name} body for these inputs: run `build.py build` first, with the same"
            " SOURCE_DATE_EPOCH (or none) as this run"
        )
    key = lambda: input_key(project, exclude=(districts_folder(project),))  # noqa: E731
    for _ in range(runs):
        for name, step in (
            ("shared inputs' key (hash of every input)", key),
            ("the Portrait's inputs (YAML, models)", lambda: portrait.load_inputs(project)),
            ("the district's inputs (YAML, logo)", lambda: portrait.load_edition(project, slug)),
            ("kept body read back (output/.cache/body/)", store.read),
            (
                "stylesheets parsed (one renderer)",
                lambda: Renderer(project, portrait.load_inputs(project), variant).stylesheets(),
            ),
        ):
            start = time.perf_counter()
            step()
            rows[name].append(time.perf_counter() - start)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--district", default="example-cedar-ridge")
    parser.add_argument("--print", action="store_true", help="the print edition (default: screen)")
    args = parser.parse_args()
    # No date of its own: the kept body's key holds the build date, so this must read the body
    # under the date `build.py build` used (SOURCE_DATE_EPOCH if set, else the last commit's time).
    variant = PRINT if args.print else SCREEN
    project = Project.at(REPO)

    fixed = fixed_costs(project, args.district, variant, args.runs)

    inputs = portrait.load_inputs(project)
    edition = portrait.load_edition(project, args.district)
    shared = input_key(project, exclude=(districts_folder(project),))
    renderer = Renderer(project, inputs, variant, body_store=BodyStore.of(project, variant.name, shared))
    renderer.body()  # read back from output/.cache/body/ (fixed_costs made sure it is there)
    renderer.edition(edition)  # warm: the notes pages laid out, the fonts read, the subsets kept
    stages = Stages()
    instrument(stages)

    def warm(whole_file_check: bool) -> tuple[dict[str, list[float]], list[float]]:
        renderer.whole_file_check = whole_file_check
        renderer.edition(edition)  # the body's pages scanned (check by parts) before the timing
        rows: dict[str, list[float]] = defaultdict(list)
        totals = []
        for _ in range(args.runs):
            stages.seconds.clear()
            start = time.perf_counter()
            rendered = renderer.edition(edition)
            check = stages.wrap("preflight rules", check_facts)
            check(rendered.facts, "edition", variant.name)
            totals.append(time.perf_counter() - start)
            for name, seconds in stages.seconds.items():
                rows[name].append(seconds)
            rows["other"].append(totals[-1] - sum(stages.seconds.values()))
        return rows, totals

    # Interleaved halves would be fairer on a busy machine; one after the other keeps each table whole.
    by_parts = warm(False)
    whole = warm(True)
    print(f"One {variant.name} edition of {args.district}, medians of {args.runs} runs")
    print(f"  {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    table("Warm edition (renderer with its body), checked by parts (the default), exclusive time per stage", *by_parts)
    table("The same, checked whole (release: every page read back)", *whole)
    table("Fixed cost of a `district SLUG` process after `build`, before its edition", fixed)


if __name__ == "__main__":
    main()
