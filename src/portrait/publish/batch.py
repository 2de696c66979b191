"""Building many district editions in one run, on every core.

Stages: skip every edition whose files are up to date (the shared inputs hashed once, each
district's folder on its own; see portrait.publish.cache); then read and check each remaining
district folder in this process as it is handed to a worker process (a raster logo processed in
an earlier run is read back: portrait.publish.logos). Each worker makes one
``Renderer``, which lays out the shared Portrait once, then renders each edition it is given by
laying out only the edition's own pages, writes it atomically and records its key. One district's
failure never stops the others.

Sharding (``--shard K/N``, for splitting a batch over machines): districts are sorted by slug and
district number ``i`` (counting from 0) goes to shard ``i % N + 1``. Every district is in exactly
one shard, and adding a district moves only the districts after it.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portrait.errors import ExitCode, InputError, PortraitError
from portrait.finish.variants import SCREEN, Variant
from portrait.inputs.district import Edition, check_slug, districts_folder, load_edition
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.load import Inputs
from portrait.publish.body_cache import BodyStore
from portrait.publish.cache import (
    CACHE_FOLDER,
    edition_key,
    folder_digest,
    input_key,
    remember,
    up_to_date,
    variant_key,
)
from portrait.publish.logos import LogoCache
from portrait.publish.outputs import output_file

# Exit status of a batch: the most serious failure decides it.
_SEVERITY = {
    "input": ExitCode.INPUT_ERROR,
    "build": ExitCode.BUILD_ERROR,
    "internal": ExitCode.INTERNAL_ERROR,
}


@dataclass(frozen=True)
class EditionResult:
    """What became of one edition. Plain, small data: never the PDF's bytes (a batch of hundreds
    keeps every result until its summary)."""

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
    skipped: bool = False  # up to date: no input changed since its files were written, none rebuilt

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
    def skipped(self) -> list[EditionResult]:
        return [r for r in self.results if r.skipped]

    @property
    def built(self) -> list[EditionResult]:
        return [r for r in self.results if r.ok and not r.skipped]

    @property
    def exit_code(self) -> ExitCode:
        codes = [_SEVERITY[r.failure] for r in self.failed if r.failure]
        return max(codes) if codes else ExitCode.OK


@dataclass(frozen=True)
class Source:
    """Where one edition's district comes from: the folder whose files are its inputs (hashed to
    tell whether the edition is up to date), and how to read it into an ``Edition`` (raising
    InputError). A district folder in content/districts/ by default; a spreadsheet row written
    to a temporary folder for ``district --from`` (portrait.inputs.district_csv)."""

    slug: str
    folder: Path | None  # None: nothing to hash, always built (e.g. a row that is wrong)
    load: Callable[[], Edition]


def folder_source(project: Project, slug: str) -> Source:
    # A slug that is not a folder name (``..``) names no folder to hash; reading it says why.
    folder = None if check_slug(slug) else districts_folder(project) / slug
    return Source(slug, folder, functools.partial(load_edition, project, slug, LogoCache.of(project)))


@contextlib.contextmanager
def csv_sources(project: Project, path: Path, shard: tuple[int, int] | None = None) -> Iterator[list[Source]]:
    """The rows of a CSV file of districts (portrait.inputs.district_csv) as sources, for as long
    as the context lasts: each row is written as a district folder in a temporary folder outside
    the project, removed afterwards. A row that cannot be written fails when its edition is read."""
    from portrait.inputs.district_csv import check, read_sheet, stage

    sheet = read_sheet(path, project.relative(path))
    selected = set(select_shard((row.label for row in sheet.rows), shard))
    with tempfile.TemporaryDirectory(prefix="portrait-csv-") as tmp:
        sources = []
        for row in sheet.rows:
            if row.label not in selected:
                continue
            folder = Path(tmp) / f"row-{row.number}"
            try:
                stage(sheet, row, folder)
            except InputError as exc:
                sources.append(Source(row.label, None, functools.partial(_raise, exc)))
                continue
            load = functools.partial(check, project, sheet, row, folder, LogoCache.of(project))
            sources.append(Source(row.slug, folder, load))
        yield sources


def _raise(error: InputError) -> Edition:
    raise error


@dataclass(frozen=True)
class _Job:
    """What a worker is given: the edition, and the key its files are recorded under."""

    edition: Edition
    key: str | None
    records: Path


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


# Work done in each worker process: one renderer per variant, whose shared body is read from the
# body cache (portrait.publish.body_cache) or laid out and written once (in the parent before the
# workers are forked, where the system can fork) and kept there.
_worker: dict[str, Any] = {}


def _init_worker(
    root: Path,
    inputs: Inputs,
    variants: tuple[Variant, ...] = (SCREEN,),
    shared_key: str | None = None,
    reuse_body: bool = True,
) -> None:
    """``shared_key``: the shared inputs' key (``input_key`` without content/districts/), under
    which the written body is kept between runs; None keeps nothing. ``reuse_body`` False
    (``--force``): the body is laid out again, and kept."""
    from portrait.formats.maker import EditionMaker

    project = Project(root)
    _worker.clear()
    _worker.update(
        project=project,
        variants=variants,
        maker=EditionMaker(project, inputs, bodies=lambda v: BodyStore.of(project, v.name, shared_key, reuse_body)),
    )


def _maker() -> EditionMaker:
    from portrait.formats.maker import EditionMaker

    maker = _worker["maker"]
    assert isinstance(maker, EditionMaker)
    return maker


def _render_one(job: _Job) -> EditionResult:
    from portrait.formats import pdf_format
    from portrait.publish.produce import Target, produce

    edition = job.edition
    start = time.perf_counter()
    project: Project = _worker["project"]
    try:
        # Every variant's file is made and preflighted before any is written, so an edition is
        # either complete or untouched.
        made = produce(
            project,
            _maker(),
            [
                Target(output_file(project.output, variant, edition.slug), pdf_format(variant), edition)
                for variant in _worker["variants"]
            ],
        )
        # Recorded here, where the bytes are: they never travel back to the batch's process.
        for m in made:
            remember(
                m.path, variant_key(job.key, m.format.name), m.made.data, m.made.pages, edition.notices, job.records
            )
    except PortraitError as exc:
        kind = "input" if isinstance(exc, InputError) else "build"
        return EditionResult(
            edition.slug,
            edition.name,
            failure=kind,
            message=_with_traceback(str(exc)),
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
        pages=first.made.pages,
        size=len(first.made.data),
        seconds=time.perf_counter() - start,
        notices=edition.notices,
        paths=tuple(m.path for m in made),
    )


def records_folder(project: Project, slug: str) -> Path:
    """Where the cache records of a district's files go: output/.cache/districts/<slug>/, so
    that the edition's own folder holds only its PDFs (it is what a district is sent)."""
    return project.output / CACHE_FOLDER / "districts" / slug


def build_editions(
    project: Project,
    districts: Sequence[str | Source],
    *,
    jobs: int | None = None,
    variants: Sequence[Variant] = (SCREEN,),
    on_result: Callable[[EditionResult], None] | None = None,
    force: bool = False,
) -> BatchResult:
    """Build the editions of ``districts`` (slugs of folders in content/districts/, or sources
    of other folders) in each of ``variants``; every district gets a result, none stops the
    others. An edition whose files are up to date with its inputs is skipped (``force``
    rebuilds it)."""
    variants = tuple(variants)
    start = time.perf_counter()
    results: list[EditionResult] = []
    sources = [d if isinstance(d, Source) else folder_source(project, d) for d in districts]

    def report(result: EditionResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    # Skipped first, before anything is read or laid out: the shared inputs are hashed once for
    # the batch, each district's folder on its own (a change to one logo rebuilds one edition).
    shared = input_key(project, exclude=(districts_folder(project),))
    pending: list[tuple[Source, str | None]] = []
    for source in sources:
        key = edition_key(shared, source.slug, folder_digest(source.folder) if source.folder else None)
        kept = None if force else _up_to_date(project, source.slug, key, variants, start)
        if kept is not None:
            report(kept)
        else:
            pending.append((source, key))

    # Each edition is read only when it is about to be built, and at most a few are queued per
    # worker: memory stays the same for 5 editions or 5,000.
    def editions() -> Iterator[_Job]:
        for source, key in pending:
            try:
                edition = source.load()
            except InputError as exc:
                report(EditionResult(source.slug, failure="input", message=_with_traceback(str(exc))))
                continue
            yield _Job(edition, key, records_folder(project, edition.slug))

    queue = editions()
    first = next(queue, None)
    if first is not None:
        body = (shared, not force)
        _build(project, itertools.chain([first], queue), len(pending), jobs, variants, report, body)
    order = {source.slug: i for i, source in enumerate(sources)}
    results.sort(key=lambda r: order.get(r.slug, len(order)))
    return BatchResult(results, time.perf_counter() - start)


def _up_to_date(
    project: Project, slug: str, key: str | None, variants: tuple[Variant, ...], start: float
) -> EditionResult | None:
    """The result of an edition whose every file is up to date with ``key``, else None."""
    records = records_folder(project, slug)
    paths = [output_file(project.output, variant, slug) for variant in variants]
    kept = [up_to_date(path, variant_key(key, v.name), records) for path, v in zip(paths, variants, strict=True)]
    if key is None or not all(kept):
        return None
    first = kept[0]
    assert first is not None
    return EditionResult(
        slug,
        path=paths[0],
        pages=first.pages,
        size=paths[0].stat().st_size,
        seconds=time.perf_counter() - start,
        notices=first.warnings,
        paths=tuple(paths),
        skipped=True,
    )


def _build(
    project: Project,
    queue: Iterator[_Job],
    count: int,
    jobs: int | None,
    variants: tuple[Variant, ...],
    report: Callable[[EditionResult], None],
    body: tuple[str | None, bool] = (None, True),
) -> None:
    """``body``: the shared inputs' key and whether a kept body may be reused (``_init_worker``)."""
    from portrait.inputs.load import load_inputs

    # The Portrait's own content: if it is wrong, no edition can be built (InputError for all).
    inputs = load_inputs(project)
    workers = max(1, min(jobs or os.cpu_count() or 1, count))
    if workers == 1:
        _init_worker(project.root, inputs, variants, *body)
        for job in queue:
            report(_render_one(job))
        return
    forking = "fork" in multiprocessing.get_all_start_methods()
    if forking:
        # Lay out and write the shared body once, here, before the workers are forked: they
        # inherit it, instead of each making its own (seconds per worker and variant).
        _init_worker(project.root, inputs, variants, *body)
        for variant in variants:
            _maker().renderer(variant).body()
        start: dict[str, Any] = {"mp_context": multiprocessing.get_context("fork")}
    else:  # spawn: each worker reads its copy of the inputs and lays out the body itself
        start = {
            "mp_context": multiprocessing.get_context("spawn"),
            "initializer": _init_worker,
            "initargs": (project.root, inputs, variants, *body),
        }
    # A process pool that notices a dead worker (killed for memory, a crash in a native
    # library): its editions fail with a message instead of the batch hanging.
    with ProcessPoolExecutor(workers, **start) as pool:
        running: dict[Future[EditionResult], Edition] = {}

        def collect(done: Iterable[Future[EditionResult]]) -> None:
            for future in done:
                edition = running.pop(future)
                try:
                    report(future.result())
                except BrokenProcessPool:
                    report(_stopped(edition))

        for job in queue:
            try:
                running[pool.submit(_render_one, job)] = job.edition
            except BrokenProcessPool:
                report(_stopped(job.edition))
                continue
            if len(running) >= 2 * workers:
                collect(wait(running, return_when=FIRST_COMPLETED).done)
        collect(list(running))


def _stopped(edition: Edition) -> EditionResult:
    return EditionResult(
        edition.slug,
        edition.name,
        failure="internal",
        message="a worker process stopped (out of memory, or a crash in a native library) before "
        "this edition was written; build this district alone to see which one fails",
    )


def _with_traceback(message: str) -> str:
    """``message``, followed with ``--debug`` (``PORTRAIT_DEBUG``, which the command line sets for
    its workers) by the traceback of the exception being handled."""
    if os.environ.get("PORTRAIT_DEBUG"):
        return message + "\n" + traceback.format_exc().rstrip()
    return message
