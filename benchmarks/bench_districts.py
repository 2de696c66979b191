"""How much one more district edition costs, against a full build of the Portrait.

Run: .venv/bin/python benchmarks/bench_districts.py [--editions 40] [--jobs N] [--runs 3]

Every line gives wall time and CPU time (this process and its finished children): on a shared
or busy machine, wall time grows with the load and CPU time does not.

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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from portrait.build.batch import build_editions  # noqa: E402
from portrait.inputs.district import district_slugs, load_edition  # noqa: E402
from portrait.inputs.load import load_inputs  # noqa: E402
from portrait.project import Project  # noqa: E402
from portrait.render.renderer import Renderer  # noqa: E402


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


def edition_steps(renderer: Renderer, edition, project: Project, runs: int) -> list[tuple[str, float]]:
    """Where one edition's time goes: the same steps as Renderer.edition, timed one by one."""
    from portrait.check.facts import read_facts
    from portrait.render.layout import check_fonts, write_pdf
    from portrait.render.renderer import EDITION_FOOTER, _margin_box, _with_margin_box

    _, shared = renderer.shared()
    own_html = renderer.html(edition, parts="edition")
    own = renderer.layout(own_html)
    cover, *foreword, probe, back = own.pages
    footer = _margin_box(probe, EDITION_FOOTER)

    def combine():
        body = [_with_margin_box(page, EDITION_FOOTER, footer) for page in shared.pages[1:-1]]
        return own.copy([cover, *foreword, *body, back])

    document = combine()
    pdf = renderer.write(document, own_html).pdf  # the screen edition as the batch writes it
    steps = {
        "HTML of the own pages": lambda: renderer.html(edition, parts="edition"),
        "layout of the own pages": lambda: renderer.layout(own_html),
        "combining pages": combine,
        "plain write_pdf (paint all pages)": lambda: write_pdf(document, identifier=b"0" * 32),
        "screen write (tags, forms, finisher) + font check": lambda: renderer.write(document, own_html),
        "font check alone (read back)": lambda: check_fonts(read_facts(pdf), renderer._allowed_fonts),
    }
    return [(name, timed(fn, runs)[0]) for name, fn in steps.items()]


def naive_edition(args: tuple[Path, str]) -> int:
    """The edition without reuse: the whole publication laid out with the district in it."""
    root, slug = args
    project = Project.at(root)
    renderer = Renderer(project, load_inputs(project))
    edition = load_edition(project, slug)
    html = renderer.html(edition, parts="all")
    document = renderer.layout(html)
    return renderer.write(document, html).pages


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (workers, subprocesses)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. CPU time is what a busy machine does not inflate."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def medians(fn, runs: int) -> tuple[float, float]:
    samples = [measure(fn) for _ in range(runs)]
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def row(label: str, wall: float, cpu: float) -> None:
    print(f"{label:42s}{wall:8.2f} s wall {cpu:8.2f} s CPU")


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
        load = os.getloadavg()[0]
        print(
            f"{len(slugs)} editions, {args.jobs} jobs, {os.cpu_count()} cores, load average "
            f"{load:.1f} at the start; medians of {args.runs} runs"
        )

        full = medians(lambda: full_build(project), args.runs)
        row("full build (in-process)", *full)

        cold_cmd = [
            sys.executable,
            str(REPO / "build.py"),
            "--root",
            str(project.root),
            "district",
            slugs[0],
            "--jobs",
            "1",
            "--force",  # measure a build, not the skip of an up-to-date edition
        ]
        cold = medians(lambda: subprocess.run(cold_cmd, check=True, capture_output=True), args.runs)
        row("one edition, cold process", *cold)

        renderer = Renderer(project, load_inputs(project))
        renderer.shared()
        editions = [load_edition(project, s) for s in slugs[: max(3, args.runs)]]
        renderer.edition(editions[0])  # warm caches (fonts, images)
        wall, cpu = medians(lambda: [renderer.edition(e) for e in editions], args.runs)
        marginal = (wall / len(editions), cpu / len(editions))
        row("marginal edition (warm process)", *marginal)
        for step, seconds in edition_steps(renderer, editions[0], project, args.runs):
            print(f"  of which {step:32s}{seconds:8.3f} s wall")

        batch_result = []
        batch = measure(lambda: batch_result.append(build_editions(project, slugs, jobs=args.jobs, force=True)))
        assert not batch_result[0].failed, [r.message for r in batch_result[0].failed]
        row(f"{len(slugs)} editions, batch", *batch)

        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")

        def naive_batch() -> None:
            with context.Pool(args.jobs) as pool:
                pool.map(naive_edition, [(project.root, s) for s in slugs], chunksize=1)
                pool.close()
                pool.join()

        naive = measure(naive_batch)
        row(f"{len(slugs)} editions, naive (full render each)", *naive)

        extra = max(1, len(slugs) - 1)
        print()
        print(
            f"marginal edition / full build, one core          "
            f"{marginal[0] / full[0]:6.1%} wall {marginal[1] / full[1]:6.1%} CPU"
        )
        print(
            f"batch: per extra edition / full build            "
            f"{(batch[0] - cold[0]) / extra / full[0]:6.1%} wall "
            f"{(batch[1] - cold[1]) / extra / full[1]:6.1%} CPU"
        )
        print(
            f"{len(slugs)} editions / one edition cold                  "
            f"{batch[0] / cold[0]:6.1f} x wall {batch[1] / cold[1]:6.1f} x CPU"
        )
        print(
            f"naive / batch                                    "
            f"{naive[0] / batch[0]:6.1f} x wall {naive[1] / batch[1]:6.1f} x CPU"
        )


if __name__ == "__main__":
    main()
