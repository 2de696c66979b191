"""EPUB (and web) district editions against PDF ones, measured in the same run.

Run: .venv/bin/python benchmarks/bench_formats.py [--editions 500] [--pdf-editions 40] [--runs 1]

Works on a temporary copy of the project with ``--editions`` generated districts like a real one
(bench_districts.py's: a 600×600 PNG logo, one colour, a two-paragraph foreword). Every figure is
a whole ``build.py district --all`` process (imports included), with warm caches (processed logos,
font subsets, the page map of the EPUB's page-list) and no edition up to date:

- PDF: ``district --all`` (screen, on every core) over the first ``--pdf-editions`` districts and
  over one, scaled to ``--editions`` as t(1) + (editions − 1) × (t(N) − t(1)) / (N − 1): one
  process's fixed cost (imports, the shared layout) and N − 1 editions' marginal cost (the PDF figure
  for 500 is then an estimate; give ``--pdf-editions 500`` to measure it);
- EPUB: ``district --all --format epub`` over all ``--editions`` districts; also web;
- the EPUB run once more with every cache cleared (cold: the Portrait laid out once for the
  page-list, the font subsets made, the logos decoded).
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(Path(__file__).parent))

from bench_districts import make_project  # noqa: E402


def district_run(root: Path, *args: str, cold: bool = False) -> float:
    """Seconds for one ``build.py district --all`` process; earlier editions and their up-to-date
    records removed (caches kept unless ``cold``)."""
    output = root / "output"
    if cold:
        shutil.rmtree(output, ignore_errors=True)
    else:
        shutil.rmtree(output / "districts", ignore_errors=True)
        shutil.rmtree(output / ".cache" / "districts", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "-q", "district", "--all", *args],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def keep_first(root: Path, count: int) -> None:
    folders = sorted((root / "content" / "districts").iterdir())
    for folder in folders[count:]:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=500)
    parser.add_argument("--pdf-editions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    # Dated as a release is (the copy is outside git): the same build date for every run, so that
    # the caches keyed by the inputs (up-to-date records, the page map) see the same inputs.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1740000000")
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        many = Path(tmp) / "many"
        make_project(many, args.editions - 1)  # make_project adds one SVG-logo district
        few = Path(tmp) / "few"
        shutil.copytree(many, few)
        keep_first(few, args.pdf_editions)
        one = Path(tmp) / "one"
        shutil.copytree(few, one)
        keep_first(one, 1)
        n_many = len(list((many / "content" / "districts").iterdir()))
        n_few = len(list((few / "content" / "districts").iterdir()))
        # Warm the caches once (logos, font subsets, page map).
        district_run(many, "--format", "epub,web", cold=True)
        district_run(few, cold=True)
        district_run(one, cold=True)
        pdf = statistics.median(district_run(few) for _ in range(args.runs))
        pdf_one = statistics.median(district_run(one) for _ in range(args.runs))
        epub = statistics.median(district_run(many, "--format", "epub") for _ in range(args.runs))
        web = statistics.median(district_run(many, "--format", "web") for _ in range(args.runs))
        cold = district_run(many, "--format", "epub", cold=True)
    marginal = (pdf - pdf_one) / (n_few - 1)
    pdf_many = pdf if n_few == n_many else pdf_one + (n_many - 1) * marginal
    measured = "measured" if n_few == n_many else f"estimated: 1 edition {pdf_one:.1f} s, {n_few} in {pdf:.1f} s"
    print(f"PDF (screen), {n_many} editions: {pdf_many:.1f} s ({measured}; {marginal * 1000:.0f} ms an edition more)")
    print(f"EPUB, {n_many} editions: {epub:.2f} s ({epub / n_many * 1000:.1f} ms an edition)")
    print(f"   = {epub / pdf_many:.1%} of the PDFs' time")
    print(f"web edition, {n_many} editions: {web:.2f} s ({web / pdf_many:.1%} of the PDFs' time)")
    print(f"EPUB, {n_many} editions, every cache cleared: {cold:.2f} s ({cold / pdf_many:.1%})")


if __name__ == "__main__":
    main()
