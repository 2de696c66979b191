"""How long the Portrait takes to build, and what our pipeline adds on top of WeasyPrint.

Prints, for several runs in this one process:
- the whole pipeline for the screen edition (load and validate inputs → HTML → layout → tagged
  PDF/UA-1 with form fields → font check → preflight → atomic write);
- plain WeasyPrint on the same HTML (layout + an untagged write, with the same fetcher and
  fonts): the baseline; the difference is our overhead (most of it is tagging and forms, see
  bench_variants.py);
- a cold process running `python build.py build --force --screen-only` (start-up included).

Usage: python benchmarks/bench_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

import portrait  # noqa: E402
from portrait import SCREEN, Project, load_inputs  # noqa: E402
from portrait.render.fetcher import ProjectFetcher  # noqa: E402
from portrait.render.renderer import Renderer  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--runs", type=int, default=5)
    runs = args.parse_args().runs

    project = Project.at(ROOT)
    html = Renderer(project, load_inputs(project)).html(linked=True)  # the stylesheets in the HTML
    out = Path(tempfile.mkdtemp()) / "portrait.pdf"

    def plain_weasyprint() -> bytes:
        fetcher = ProjectFetcher(project.readable_roots)
        doc = HTML(string=html, base_url=project.templates.as_uri() + "/", url_fetcher=fetcher)
        return doc.write_pdf(font_config=FontConfiguration())

    def pipeline() -> None:
        portrait.build_portrait(project, [SCREEN], output=out, force=True)

    def cold_process() -> None:
        # --force: the build cache would otherwise skip the unchanged build (bench_designer times that).
        command = [sys.executable, str(ROOT / "build.py"), "build", "--force", "--screen-only", "-o", str(out)]
        subprocess.run(command, check=True, capture_output=True)

    pipeline()  # warm the file system cache
    pages = len(Renderer(project, load_inputs(project)).shared()[1].pages)
    baseline = statistics.median(timed(plain_weasyprint, runs))
    ours = statistics.median(timed(pipeline, runs))
    cold = statistics.median(timed(cold_process, max(3, runs // 2)))

    print(f"Portrait of a Leader: {pages} pages, median of {runs} runs")
    print(f"  plain WeasyPrint (same HTML)   {baseline:6.2f} s   {pages / baseline:5.1f} pages/s   1.00x")
    print(f"  portrait pipeline (in process) {ours:6.2f} s   {pages / ours:5.1f} pages/s   {ours / baseline:.2f}x")
    print(f"  build.py build --force (cold)  {cold:6.2f} s   {pages / cold:5.1f} pages/s   {cold / baseline:.2f}x")
    print(f"  pipeline overhead over WeasyPrint: {ours - baseline:+.2f} s ({(ours / baseline - 1) * 100:+.0f}%)")


if __name__ == "__main__":
    main()
