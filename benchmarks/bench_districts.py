"""District editions at network scale: what one more edition costs, against a full build.

Run: .venv/bin/python benchmarks/bench_districts.py [--editions 40] [--runs 3] [--rss 500]

Works on a temporary copy of the project whose content/districts/ holds ``--editions`` generated
districts like a real one (a 600×600 PNG logo, one colour, a two-paragraph foreword), so the real
content/ and output/ are untouched. Every figure is measured in this run, against baselines
measured in this run too:

- cold full screen build: ``build.py build --force --screen-only`` in a new process, in a copy of
  the project without districts (so that it does not keep the editions' body: the build as it was
  before the body was kept); the same build with the districts, which also writes and keeps the
  body, is shown beside it;
- one cold edition: ``build.py district SLUG`` in a new process (imports and shared layout included);
- N editions: ``build.py district --all`` in a new process, on every core;
- one more edition in a batch: (N editions − one cold edition) / (N − 1), wall time;
- after a build: ``build.py build --screen-only`` first (not timed), then one ``district SLUG``
  process, and one ``district --all`` process, each reading the kept body instead of laying it
  out; one more edition after a build: (N editions − one edition) / (N − 1), both after a build;
- CPU seconds (user + system, the process and its workers) of the cold full build, one cold
  edition and one edition after a build: less sensitive to a loaded machine than wall time;
- raster-logo edition / SVG-logo edition: one edition in a warm renderer, PNG against SVG logo;
- naive: each edition laid out and written whole by WeasyPrint, no reuse (the baseline), and the
  previous engine (shared layout reused, every page written again per edition);
- with ``--rss N``: N editions in one ``district --all``, peak RSS of the process and its workers.

Medians of ``--runs`` runs; on a busy machine wall times grow, ratios much less.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from PIL import Image, ImageDraw  # noqa: E402

import portrait  # noqa: E402
from portrait import SCREEN, Project  # noqa: E402
from portrait.render.renderer import Renderer  # noqa: E402

FOREWORD = (
    "This benchmark foreword stands in for a district's own words: two paragraphs of ordinary "
    "length, set in the foreword's style, with *emphasis* and a [link](https://example.org).\n\n"
    "A second paragraph follows, so that the page holds the amount of text a superintendent's "
    "message usually has, and the foreword is laid out as it would be for a real district."
)


def png_logo(size: int = 600) -> bytes:
    image = Image.new("RGB", (size, size), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, size - 40, size - 40), fill="#1b4f9c")
    draw.rectangle((size // 3, size // 4, 2 * size // 3, 3 * size // 4), fill="#f2a900")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600">'
    b'<circle cx="300" cy="300" r="260" fill="#1b4f9c"/><rect x="200" y="150" width="200" height="300" '
    b'fill="#f2a900"/></svg>'
)


def write_district(folder: Path, number: int, logo: str = "png") -> None:
    folder.mkdir(parents=True)
    logo_file = "logo.png" if logo == "png" else "logo.svg"
    (folder / logo_file).write_bytes(png_logo() if logo == "png" else SVG_LOGO)
    body = "\n".join("      " + line for line in FOREWORD.splitlines())
    (folder / "district.yaml").write_text(
        f'name: "Benchmark Unified School District {number}"\n'
        f"logo: {logo_file}\n"
        "colors:\n"
        '  primary: "#2a6f97"\n'
        "foreword:\n"
        '  title: "A message from our superintendent"\n'
        f"  body: |\n{body}\n"
        "  signed:\n"
        '    - name: "Superintendent"\n'
        '      role: "Superintendent"\n',
        encoding="utf-8",
    )


def make_project(dest: Path, editions: int) -> Project:
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, dest / name)
    districts = dest / "content" / "districts"
    shutil.rmtree(districts)
    for i in range(editions):
        write_district(districts / f"bench-{i + 1:03d}", i + 1)
    write_district(districts / "bench-svg", 0, logo="svg")
    return Project.at(dest)


# CPU seconds (user + system) of each timed process and its workers, by command line: on a
# loaded machine wall times mostly measure the load, CPU times much less.
CPU: dict[str, list[float]] = {}


def run(args: list[str], root: Path, after: list[str] | None = None) -> float:
    """Seconds for one cold ``build.py`` process, after clearing what it would skip (and, with
    ``after``, running that command first, untimed: e.g. ``build``, which keeps the body)."""
    shutil.rmtree(root / "output", ignore_errors=True)
    if after:
        _build_py(after, root)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _build_py(args, root)
    wall = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime - before.ru_utime + used.ru_stime - before.ru_stime
    CPU.setdefault(" ".join([*(after or []), "|", *args, root.name]), []).append(cpu)
    return wall


def cpu(args: list[str], root: Path, after: list[str] | None = None) -> float:
    """The median CPU seconds of the processes ``run`` timed with these arguments."""
    return statistics.median(CPU[" ".join([*(after or []), "|", *args, root.name])])


def _build_py(args: list[str], root: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), *args], check=True, capture_output=True
    )


def median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_rss_of_tree(command: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak of the summed RSS (bytes) of ``command`` and its children."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        page = os.sysconf("SC_PAGE_SIZE")
        while not done.is_set():
            total = 0
            for pid in _tree(process.pid):
                try:
                    with open(f"/proc/{pid}/statm") as statm:
                        total += int(statm.read().split()[1]) * page
                except OSError:
                    continue
            peak = max(peak, total)
            time.sleep(0.05)

    start = time.perf_counter()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return time.perf_counter() - start, peak


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss", type=int, default=0, metavar="N", help="also: peak RSS of a batch of N editions")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1740000000")

    with tempfile.TemporaryDirectory(prefix="bench-districts-") as tmp:
        project = make_project(Path(tmp) / "project", args.editions)
        root = project.root
        n = args.editions + 1  # the generated ones and the SVG one

        plain = Path(tmp) / "plain"  # the same project without districts: a build keeps no body
        make_project(plain, 0)
        shutil.rmtree(plain / "content" / "districts")

        build = ["build", "--force", "--screen-only"]
        full = median(lambda: run(build, plain), args.runs)
        full_keeping = median(lambda: run(build, root), args.runs)
        one = median(lambda: run(["district", "bench-001"], root), args.runs)
        batch = median(lambda: run(["district", "--all"], root), args.runs)
        marginal = (batch - one) / (n - 1)
        built = ["build", "--screen-only"]
        one_after = median(lambda: run(["district", "bench-001"], root, after=built), args.runs)
        batch_after = median(lambda: run(["district", "--all"], root, after=built), args.runs)
        marginal_after = (batch_after - one_after) / (n - 1)

        inputs = portrait.load_inputs(project)
        renderer = Renderer(project, inputs, SCREEN)
        renderer.body()
        png = portrait.load_edition(project, "bench-001")
        svg = portrait.load_edition(project, "bench-svg")
        # Interleaved (PNG, SVG, PNG, ...), so that a slower or faster stretch of the machine
        # falls on both alike.
        logo_times: dict[str, list[float]] = {"png": [], "svg": []}
        for _ in range(args.runs * 5):
            logo_times["png"].append(timed(lambda: renderer.edition(png)))
            logo_times["svg"].append(timed(lambda: renderer.edition(svg)))
        edition_png = statistics.median(logo_times["png"])
        edition_svg = statistics.median(logo_times["svg"])
        previous = median(lambda: timed(lambda: renderer.edition_in_full(png)), args.runs)

        def naive() -> None:
            fresh = Renderer(project, inputs, SCREEN)
            html = fresh.html(png)
            fresh.write(fresh.layout(html), html)

        naive_one = median(lambda: timed(naive), args.runs)

        cores = os.cpu_count() or 1
        print(f"District editions, {n} generated (PNG 600×600 logo, one colour, two-paragraph foreword)")
        print(f"  median of {args.runs} runs, {cores} cores, load average {os.getloadavg()[0]:.1f}")

        def line(label: str, seconds: float, note: str = "") -> None:
            print(f"  {label:<52} {seconds:7.3f} s   {note}")

        cpu_full = cpu(build, plain)
        cpu_one, cpu_one_after = cpu(["district", "bench-001"], root), cpu(["district", "bench-001"], root, built)
        line("cold full screen build (build --force --screen-only)", full, "no districts: no body kept")
        line("  the same, with districts (body written, kept)", full_keeping, f"{full_keeping / full:.2f}×")
        line("one cold edition (district SLUG)", one)
        line(f"{n} editions (district --all)", batch, f"{batch / one:.2f}× one cold edition")
        line("one more edition in the batch, wall", marginal, f"{marginal / full:.1%} of a cold full build")
        line("one edition after a build (district SLUG)", one_after, f"{one_after / full:.1%} of a cold full build")
        line(f"{n} editions after a build (district --all)", batch_after, f"{batch_after / one_after:.2f}× one edition")
        line("one more edition after a build, wall", marginal_after, f"{marginal_after / full:.1%} of a cold build")
        line("CPU: cold full screen build", cpu_full)
        line("CPU: one cold edition (district SLUG)", cpu_one, f"{cpu_one / cpu_full:.1%} of a cold full build")
        line("CPU: one edition after a build", cpu_one_after, f"{cpu_one_after / cpu_full:.1%} of a cold full build")
        line("one edition in a warm renderer, PNG logo", edition_png)
        line("one edition in a warm renderer, SVG logo", edition_svg, f"PNG/SVG {edition_png / edition_svg:.2f}×")
        line("previous engine (every page written per edition)", previous, f"{previous / edition_png:.1f}×")
        line("naive full render per edition (no reuse)", naive_one, f"{naive_one / edition_png:.1f}×")
        naive_batch = naive_one * n / cores
        line(f"naive batch of {n}, estimated on {cores} cores", naive_batch, f"{naive_batch / batch:.1f}× the batch")

        if args.rss:
            shutil.rmtree(root / "content" / "districts")
            for i in range(args.rss):
                write_district(root / "content" / "districts" / f"rss-{i + 1:04d}", i + 1)
            shutil.rmtree(root / "output", ignore_errors=True)
            command = [sys.executable, str(REPO / "build.py"), "--root", str(root), "-q", "district", "--all"]
            seconds, peak = peak_rss_of_tree(command)
            print(
                f"  {args.rss} editions (district --all): {seconds:.1f} s, {seconds / args.rss:.3f} s an edition, "
                f"peak RSS {peak / 2**20:.0f} MiB (process and workers)"
            )


if __name__ == "__main__":
    main()
