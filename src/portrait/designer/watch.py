"""The designer's loop: watch the inputs, rebuild the PDF part by part, refresh the preview.

``Watcher.rebuild`` is one turn of the loop and never lets an input or build error escape: it
reports it (terminal and preview page) and keeps the last good PDF, which is only ever replaced
whole (write_atomic). ``watch`` runs the loop over file changes until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from portrait.check.preflight import check, require
from portrait.designer.preview import PreviewServer, PreviewState
from portrait.errors import PortraitError
from portrait.finish.variants import SCREEN
from portrait.inputs.load import Inputs, load_inputs
from portrait.project import Project
from portrait.publish.atomic import write_atomic
from portrait.publish.cache import IGNORED_NAMES, IGNORED_SUFFIXES, resources_digest
from portrait.publish.outputs import output_file
from portrait.render.incremental import IncrementalRenderer

# How long the inputs must be quiet before a rebuild starts (editors write files in bursts).
SETTLE_MS = 60
# How long one step of the watcher waits for a change before it looks again (Ctrl-C, stop).
WAIT_MS = 500


@dataclass(frozen=True)
class Outcome:
    ok: bool
    seconds: float
    message: str  # one line for the terminal; the whole error when the build failed
    pages: int = 0
    laid_out: int = 0  # parts laid out again (the rest came from memory)
    parts: int = 0


class Watcher:
    """Rebuilds ``project``'s PDF into ``pdf`` and tells ``state`` (the preview) about it."""

    def __init__(self, project: Project, pdf: Path | None = None, state: PreviewState | None = None):
        self.project = project
        self.pdf = pdf or output_file(project.output, SCREEN)
        self.state = state or PreviewState()
        self.renderer = IncrementalRenderer(project)

    def rebuild(self) -> Outcome:
        start = time.perf_counter()
        try:
            inputs = load_inputs(self.project)
            result = self.renderer.render(inputs, resources_digest(self.project))
            # The preflight of every PDF that reaches output/ (as portrait.publish.produce); a
            # failure is shown in the preview and the terminal, and the last good PDF stays.
            require(check(result.pdf, self.project.relative(self.pdf), SCREEN.name))
            write_atomic(self.pdf, result.pdf)
        except PortraitError as exc:
            seconds = time.perf_counter() - start
            self.state.failed(str(exc), seconds)
            shown = f"error: {exc}"
            if os.environ.get("PORTRAIT_DEBUG"):  # --debug: a traceback for every error
                shown = traceback.format_exc().rstrip() + "\n" + shown
            return Outcome(False, seconds, shown)
        except Exception as exc:  # a bug, not bad input: say so, keep watching
            seconds = time.perf_counter() - start
            detail = "".join(traceback.format_exception(exc))
            self.state.failed(f"internal error: {type(exc).__name__}: {exc}\n\n{detail}", seconds)
            return Outcome(False, seconds, f"internal error (a bug in portrait):\n{detail}")
        seconds = time.perf_counter() - start
        self.state.succeeded(result.html, seconds, self.renderer.anchor_pages)
        message = (
            f"built {self.project.relative(self.pdf)}: {result.pages} pages in {seconds:.2f} s "
            f"({result.laid_out} of {result.parts} parts laid out)"
        )
        message += self._web(inputs)
        return Outcome(True, seconds, message, result.pages, result.laid_out, result.parts)

    def _web(self, inputs: Inputs) -> str:
        """Make the web edition for the preview's /web/ (in memory); a failure is reported and
        leaves the PDF's build good."""
        import io
        import zipfile

        from portrait.formats.reflow import Reflow
        from portrait.formats.web import make_web

        try:
            data = make_web(Reflow(self.project, inputs, page_map={}), None)
        except PortraitError as exc:
            return f"; web edition not made: {exc}"
        archive = zipfile.ZipFile(io.BytesIO(data))
        self.state.web_built({name: archive.read(name) for name in archive.namelist()})
        return "; web edition at /web/"


def is_input(path: str) -> bool:
    """Whether a changed path can affect the build (not an editor's swap or backup file)."""
    p = Path(path)
    return not (p.name in IGNORED_NAMES or p.name.endswith(IGNORED_SUFFIXES) or p.name.startswith(".#"))


def changed_inputs(project: Project, changes: Iterable[tuple[object, str]]) -> list[str]:
    return sorted({project.relative(Path(path)) for _, path in changes if is_input(path)})


def watch(project: Project, port: int = 8000, out: TextIO | None = None, err: TextIO | None = None) -> int:
    import watchfiles

    out = out or sys.stdout
    err = err or sys.stderr
    watcher = Watcher(project)
    server = PreviewServer(project, watcher.state, watcher.pdf, port).start()
    print(f"preview: {server.url}  (Ctrl-C stops)", file=out, flush=True)
    print(
        f"watching {', '.join(project.relative(r) + '/' for r in project.readable_roots)}",
        file=out,
        flush=True,
    )
    try:
        # Watch from before the first build: a file saved while it runs is then a change like
        # any other. With yield_on_timeout the first step returns once the watcher is running,
        # and changes seen while a build runs wait for the next step.
        changes_seen = watchfiles.watch(
            *project.readable_roots,
            step=SETTLE_MS,
            debounce=1600,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=WAIT_MS,
        )
        next(changes_seen)
        _report(watcher.rebuild(), out, err)
        for changes in changes_seen:
            names = changed_inputs(project, changes)
            if not names:
                continue
            print(f"changed: {', '.join(names)}", file=out, flush=True)
            _report(watcher.rebuild(), out, err)
    finally:
        server.stop()
    return 0


def _report(outcome: Outcome, out: TextIO, err: TextIO) -> None:
    if outcome.ok:
        print(outcome.message, file=out, flush=True)
    else:
        print(outcome.message, file=err, flush=True)
        print("(still watching; the PDF is the last good build)", file=err, flush=True)
