#!/usr/bin/env python3
"""The designer's loop, timed: cold build, unchanged rebuild, edit-to-PDF latency.

    .venv/bin/python benchmarks/bench_designer.py [--runs N]

Everything runs on a throw-away copy of content/, templates/ and assets/ with a fixed
SOURCE_DATE_EPOCH. Prints the median of N runs of each and the ratios to the cold build:
- cold build: `build.py build --force`, the whole process (start, imports, layout, write);
- unchanged rebuild: `build.py build` with nothing changed, the whole process;
- edit-to-PDF, in process: one paragraph of content/sections/why.yaml changed, then
  Watcher.rebuild() (the watcher's path: reload inputs, re-lay out the changed part, write);
- full rebuild, in process: the same edit built the way `build` does (one whole layout), for
  comparison;
- edit-to-PDF, watch process: `build.py watch` running; from writing the file to the preview
  reporting the finished build (file event, settle time, rebuild and PDF written).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
EPOCH = "1740000000"
PARAGRAPH = "building leadership capacity"


def copy_project(dest: Path) -> Path:
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, dest / name)
    return dest


def median_of(runs: int, step: Callable[[int], float]) -> tuple[float, list[float]]:
    times = [step(i) for i in range(runs)]
    return statistics.median(times), times


def timed_process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def edit(path: Path, original: str, i: int) -> None:
    path.write_text(original.replace(PARAGRAPH, f"{PARAGRAPH} (edit {i})"), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def watch_process_latency(root: Path, runs: int) -> list[float]:
    port = free_port()
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    cmd = [
        sys.executable,
        str(REPO / "build.py"),
        "--root",
        str(root),
        "watch",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def state() -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__build", timeout=5) as r:
            return json.loads(r.read())

    def wait_past(build: int) -> dict:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                s = state()
                if s["build"] > build:
                    return s
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("the watcher did not finish a build in time")

    why = root / "content" / "sections" / "why.yaml"
    original = why.read_text(encoding="utf-8")
    times = []
    try:
        build = wait_past(0)["build"]
        for i in range(runs):
            time.sleep(0.3)
            start = time.perf_counter()
            edit(why, original, 100 + i)
            s = wait_past(build)
            times.append(time.perf_counter() - start)
            assert s["ok"], s
            build = s["build"]
    finally:
        process.terminate()
        process.wait(timeout=20)
        why.write_text(original, encoding="utf-8")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH

    from portrait.designer.watch import Watcher
    from portrait.inputs.load import load_inputs
    from portrait.project import Project
    from portrait.publish.atomic import write_atomic
    from portrait.render.renderer import Renderer

    with tempfile.TemporaryDirectory(prefix="bench-designer-") as tmp:
        root = copy_project(Path(tmp) / "project")
        build = [sys.executable, str(REPO / "build.py"), "--root", str(root), "build"]
        cold, cold_all = median_of(runs, lambda i: timed_process([*build, "--force"]))
        noop, noop_all = median_of(runs, lambda i: timed_process(build))

        project = Project.at(root)
        why = root / "content" / "sections" / "why.yaml"
        original = why.read_text(encoding="utf-8")
        watcher = Watcher(project)
        first = watcher.rebuild()
        assert first.ok, first.message

        def watcher_edit(i: int) -> float:
            edit(why, original, i)
            outcome = watcher.rebuild()
            assert outcome.ok and outcome.laid_out == 1, outcome.message
            return outcome.seconds

        edit_in, edit_in_all = median_of(runs, watcher_edit)

        def full_edit(i: int) -> float:
            edit(why, original, 50 + i)
            start = time.perf_counter()
            pdf = Renderer(project, load_inputs(project)).portrait().pdf
            write_atomic(project.output / "full.pdf", pdf)
            return time.perf_counter() - start

        full_in, full_in_all = median_of(runs, full_edit)
        why.write_text(original, encoding="utf-8")
        edit_watch_all = watch_process_latency(root, runs)
        edit_watch = statistics.median(edit_watch_all)

    rows = [
        ("cold build (process)", cold, cold_all),
        ("unchanged rebuild (process)", noop, noop_all),
        ("full rebuild after an edit (in process)", full_in, full_in_all),
        ("edit-to-PDF, watcher path (in process)", edit_in, edit_in_all),
        ("edit-to-PDF, `build.py watch` process", edit_watch, edit_watch_all),
    ]
    print(f"median of {runs} runs; first watcher build (cold, part by part): {first.seconds:.2f} s")
    for name, median, every in rows:
        runs_text = " ".join(f"{t:.2f}" for t in every)
        print(f"  {name:42s} {median:6.2f} s  ({cold / median:5.1f}x faster than cold)  [{runs_text}]")
    print(f"  edit-to-PDF vs full in-process rebuild: {full_in / edit_in:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
