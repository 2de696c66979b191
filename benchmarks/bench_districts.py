"""How much one more district edition costs, against a full build of the Portrait.

Run: .venv/bin/python benchmarks/bench_districts.py [--editions 40] [--jobs N] [--runs 3]

Works on a temporary copy of the project with ``--editions`` generated districts (the three
examples repeated under new slugs), so the real content/ and output/ are untouched. Prints:

- full build: the main Portrait in-process (layout + write + font check), median of ``--runs``;
- one edition, cold: ``python build.py district SLUG`` in a new process (imports included);
- marginal edition: one more edition in a process that has laid out the shared pages;
- N editions: ``build_editions`` over every core (the real batch);
- N editions, naive: a full render of the whole edition for each (same number of cores);

with the ratios that matter: marginal edition / full build, and naive / batch.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from portrait.batch import build_editions  # noqa: E402
from portrait.districts import district_slugs, load_edition, logo_cache  # noqa: E402
from portrait.pipeline import load_inputs  # noqa: E402
from portrait.project import Project  # noqa: E402
from portrait.render import Renderer  # noqa: E402


def make_project(dest: Path, editions: int) -> Project:
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, dest / name)
    districts = dest / "content" / "districts"
    examples = sorted(p for p in districts.iterdir() if p.is_dir())
    for i in range(editions):
        source = examples[i % len(examples)]
        shutil.copytree(source, districts / f"bench-{i + 1:03d}")
    for source in examples:
        shutil.rmtree(source)
    return Project.at(dest)


def timed(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def full_build(project: Project) -> None:
    Renderer(project, load_inputs(project)).portrait()


def edition_steps(
    renderer: Renderer, edition, project: Project, runs: int
) -> list[tuple[str, float]]:
    """Where one edition's time goes: the same steps as Renderer.edition, timed one by one."""
    from portrait.pdf import check_fonts, write_pdf
    from portrait.pdffacts import read_facts
    from portrait.render import EDITION_FOOTER, _margin_box, _with_margin_box

    _, shared = renderer.shared()
    roots = (*project.readable_roots, logo_cache(project))
    own_html = renderer.html(edition, parts="edition")
    own = renderer.layout(own_html, roots)
    cover, *foreword, probe, back = own.pages
    footer = _margin_box(probe, EDITION_FOOTER)

    def combine():
        body = [_with_margin_box(page, EDITION_FOOTER, footer) for page in shared.pages[1:-1]]
        return own.copy([cover, *foreword, *body, back])

    document = combine()
    pdf = write_pdf(document, identifier=b"0" * 32)
    steps = {
        "HTML of the own pages": lambda: renderer.html(edition, parts="edition"),
        "layout of the own pages": lambda: renderer.layout(own_html, roots),
        "combining pages": combine,
        "write_pdf (paint all pages)": lambda: write_pdf(document, identifier=b"0" * 32),
        "font check (read back)": lambda: check_fonts(read_facts(pdf), renderer._allowed_fonts),
    }
    return [(name, timed(fn, runs)[0]) for name, fn in steps.items()]


def naive_edition(args: tuple[Path, str]) -> int:
    """The edition without reuse: the whole publication laid out with the district in it."""
    root, slug = args
    project = Project.at(root)
    renderer = Renderer(project, load_inputs(project))
    edition = load_edition(project, slug)
    html = renderer.html(edition, parts="all")
    document = renderer.layout(html, (*project.readable_roots, logo_cache(project)))
    return renderer._write(document, html).pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--editions", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3, help="runs of the short measurements")
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1740000000")

    with tempfile.TemporaryDirectory(prefix="bench-districts-") as tmp:
        project = make_project(Path(tmp) / "project", args.editions)
        slugs = district_slugs(project)
        print(
            f"{args.editions} editions, {args.jobs} jobs, {os.cpu_count()} cores; "
            f"medians of {args.runs} runs"
        )

        full, _ = timed(lambda: full_build(project), args.runs)
        print(f"full build (in-process)            {full:7.2f} s")

        cold_cmd = [
            sys.executable,
            str(REPO / "build.py"),
            "--root",
            str(project.root),
            "district",
            slugs[0],
            "--jobs",
            "1",
        ]

        def cold() -> None:
            subprocess.run(cold_cmd, check=True, capture_output=True)

        cold_time, _ = timed(cold, args.runs)
        print(f"one edition, cold process          {cold_time:7.2f} s")

        renderer = Renderer(project, load_inputs(project))
        renderer.shared()
        editions = [load_edition(project, s) for s in slugs[: max(3, args.runs)]]
        renderer.edition(editions[0])  # warm caches (fonts, images)
        marginal, _ = timed(lambda: [renderer.edition(e) for e in editions], args.runs)
        marginal /= len(editions)
        print(f"marginal edition (warm process)    {marginal:7.2f} s")

        for step, seconds in edition_steps(renderer, editions[0], project, args.runs):
            print(f"  of which {step:28s}{seconds:7.3f} s")

        start = time.perf_counter()
        batch = build_editions(project, slugs, jobs=args.jobs)
        batch_time = time.perf_counter() - start
        assert not batch.failed, [r.message for r in batch.failed]
        print(f"{len(slugs)} editions, batch                {batch_time:7.2f} s")

        start = time.perf_counter()
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        with context.Pool(args.jobs) as pool:
            pool.map(naive_edition, [(project.root, s) for s in slugs], chunksize=1)
        naive_time = time.perf_counter() - start
        print(f"{len(slugs)} editions, naive (full render each) {naive_time:7.2f} s")

        per_edition_wall = (batch_time - cold_time) / max(1, len(slugs) - 1)
        print()
        print(f"marginal edition / full build (CPU, one core)      {marginal / full:6.1%}")
        print(f"batch wall time per extra edition / full build     {per_edition_wall / full:6.1%}")
        print(
            f"{len(slugs)} editions / one edition cold"
            f"                  {batch_time / cold_time:6.1f} x"
        )
        print(
            f"naive / batch                                      {naive_time / batch_time:6.1f} x"
        )


if __name__ == "__main__":
    main()
