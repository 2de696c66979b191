"""What the screen and print variants and the preflight cost, against a plain write.

    .venv/bin/python benchmarks/bench_variants.py [--runs N]

Lays out each variant once (layout is shared by every edition), then times, RUNS times each:
writing the plain PDF (no tags, no forms: the baseline), the screen variant (PDF/UA-1, tags,
form fields), the print variant (PDF/X-4, notes padding, finisher) and the preflight of each.
Prints medians and ratios against the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from portrait.check.preflight import check  # noqa: E402
from portrait.finish.variants import PRINT, SCREEN  # noqa: E402
from portrait.inputs.load import load_inputs  # noqa: E402
from portrait.project import Project  # noqa: E402
from portrait.render.layout import identifier_for, write_pdf  # noqa: E402
from portrait.render.renderer import Renderer  # noqa: E402


def median_seconds(task: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int) -> None:
    project = Project.at()
    inputs = load_inputs(project)
    screen, printed = Renderer(project, inputs, SCREEN), Renderer(project, inputs, PRINT)
    _, screen_doc = screen.shared()
    _, print_doc = printed.shared()
    screen_pdf, print_pdf = screen.portrait().pdf, printed.portrait().pdf

    results = {
        "plain write (baseline)": median_seconds(lambda: write_pdf(screen_doc, identifier=identifier_for("x")), runs),
        "screen write (UA-1, tags, forms)": median_seconds(lambda: screen.portrait(), runs),
        "print write (X-4, finisher)": median_seconds(lambda: printed.portrait(), runs),
        "preflight screen": median_seconds(lambda: check(screen_pdf, "s", "screen"), runs),
        "preflight print": median_seconds(lambda: check(print_pdf, "p", "print"), runs),
    }
    base = results["plain write (baseline)"]
    print(f"{runs} runs each, medians ({len(print_doc.pages)} pages)")
    for name, seconds in results.items():
        print(f"  {name:34} {seconds:6.3f} s  {seconds / base:5.2f}× baseline")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (5)")
    main(parser.parse_args().runs)
