"""Building many district editions in one run, on every core.

Stages: read and check every requested district folder (fast, in this process); then hand the
valid ones to worker processes. Each worker makes one ``Renderer``, which lays out the shared
Portrait once, then renders each edition it is given by laying out only the edition's own pages.
One district's failure never stops the others; each edition is written atomically.

Sharding (``--shard K/N``, for splitting a batch over machines): districts are sorted by slug and
district number ``i`` (counting from 0) goes to shard ``i % N + 1``. Every district is in exactly
one shard, and adding a district moves only the districts after it.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portrait.build.outputs import output_file
from portrait.errors import ExitCode, InputError, PortraitError
from portrait.finish.variants import SCREEN, Variant
from portrait.inputs.district import Edition, load_edition
from portrait.project import Project

# Exit status of a batch: the most serious failure decides it.
_SEVERITY = {
    "input": ExitCode.INPUT_ERROR,
    "build": ExitCode.BUILD_ERROR,
    "internal": ExitCode.INTERNAL_ERROR,
}


@dataclass(frozen=True)
class EditionResult:
    slug: str
    name: str | None = None
    path: Path | None = None
    pages: int = 0
    size: int = 0
    seconds: float = 0.0
    failure: str | None = None  # "input", "build" or "internal"
    message: str | None = None
    notices: tuple[str, ...] = field(default=())
    paths: tuple[Path, ...] = field(default=())  # every file written: screen first, then print

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class BatchResult:
    results: list[EditionResult]
    seconds: float

    @property
    def failed(self) -> list[EditionResult]:
        return [r for r in self.results if not r.ok]

    @property
    def exit_code(self) -> ExitCode:
        codes = [_SEVERITY[r.failure] for r in self.failed if r.failure]
        return max(codes) if codes else ExitCode.OK


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` → (K, N), 1 ≤ K ≤ N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"--shard {text!r}: write K/N, e.g. 2/4 for the second of four shards")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N (N at least 1)")
    return k, n


def select_shard(slugs: Iterable[str], shard: tuple[int, int] | None) -> list[str]:
    ordered = sorted(set(slugs))
    if shard is None:
        return ordered
    k, n = shard
    return [slug for i, slug in enumerate(ordered) if i % n == k - 1]


# Work done in each worker process. The renderer is made on the first edition a worker gets, so
# the shared Portrait is laid out once per process and variant.
_worker: dict[str, Any] = {}


def _init_worker(root: Path, inputs: Any, variants: tuple[Variant, ...] = (SCREEN,)) -> None:
    _worker.clear()
    _worker.update(project=Project(root), inputs=inputs, variants=variants, renderers={})


def _renderer(variant: Variant) -> Any:
    from portrait.render.renderer import Renderer

    renderers = _worker["renderers"]
    if variant.name not in renderers:
        renderers[variant.name] = Renderer(_worker["project"], _worker["inputs"], variant)
    return renderers[variant.name]


def _render_one(edition: Edition) -> EditionResult:
    from portrait.build.produce import Target, produce

    start = time.perf_counter()
    project: Project = _worker["project"]
    try:
        # Every variant's file is made and preflighted before any is written, so an edition is
        # either complete or untouched.
        made = produce(
            project,
            [
                Target(
                    output_file(project.output, variant, edition.slug),
                    variant,
                    functools.partial(_renderer(variant).edition, edition),
                )
                for variant in _worker["variants"]
            ],
        )
    except PortraitError as exc:
        kind = "input" if isinstance(exc, InputError) else "build"
        return EditionResult(
            edition.slug,
            edition.name,
            failure=kind,
            message=str(exc),
            seconds=time.perf_counter() - start,
            notices=edition.notices,
        )
    except Exception as exc:  # a bug: keep going with the others, and say where it happened
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if os.environ.get("PORTRAIT_DEBUG"):
            detail = traceback.format_exc()
        return EditionResult(
            edition.slug,
            edition.name,
            failure="internal",
            message=detail,
            seconds=time.perf_counter() - start,
            notices=edition.notices,
        )
    first = made[0]
    return EditionResult(
        edition.slug,
        edition.name,
        path=first.path,
        pages=first.rendered.pages,
        size=len(first.rendered.pdf),
        seconds=time.perf_counter() - start,
        notices=edition.notices,
        paths=tuple(m.path for m in made),
    )


def build_editions(
    project: Project,
    slugs: list[str],
    *,
    jobs: int | None = None,
    variants: Sequence[Variant] = (SCREEN,),
    on_result: Callable[[EditionResult], None] | None = None,
) -> BatchResult:
    """Build the editions of ``slugs`` in each of ``variants``; every district gets a result,
    none stops the others."""
    from portrait.inputs.load import load_inputs

    variants = tuple(variants)
    start = time.perf_counter()
    results: list[EditionResult] = []

    def report(result: EditionResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    editions = []
    for slug in slugs:
        try:
            editions.append(load_edition(project, slug))
        except InputError as exc:
            report(EditionResult(slug, failure="input", message=str(exc)))
    # The Portrait's own content: if it is wrong, no edition can be built (InputError for all).
    inputs = load_inputs(project) if editions else None

    workers = max(1, min(jobs or os.cpu_count() or 1, len(editions)))
    if workers == 1:
        _init_worker(project.root, inputs, variants)
        for edition in editions:
            report(_render_one(edition))
    elif editions:
        # fork shares the parsed inputs with every worker without pickling; spawn elsewhere.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        # A process pool that notices a dead worker (killed for memory, a crash in a native
        # library): its editions fail with a message instead of the batch hanging.
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(project.root, inputs, variants)
        ) as pool:
            futures = {pool.submit(_render_one, edition): edition for edition in editions}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    edition = futures[future]
                    result = EditionResult(
                        edition.slug,
                        edition.name,
                        failure="internal",
                        message="a worker process stopped (out of memory, or a crash in a "
                        "native library) before this edition was written; build this district "
                        "alone to see which one fails",
                    )
                report(result)
    order = {slug: i for i, slug in enumerate(slugs)}
    results.sort(key=lambda r: order.get(r.slug, len(order)))
    return BatchResult(results, time.perf_counter() - start)
