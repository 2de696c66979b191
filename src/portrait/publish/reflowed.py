"""Building the web and EPUB editions (portrait.formats) into output/: the Portrait's and
districts' editions, each checked (the format's ``check``) and written atomically. The web
edition's zip is also unpacked beside it, as a folder to serve.

These editions take tens of milliseconds each, so there is no up-to-date cache: they are made
again on every call. The printed page of each section (the EPUB's page-list) comes from the
Portrait's screen layout, kept in output/.cache/page-map/ (portrait.formats.reflow.page_map).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portrait.errors import BuildError, InputError, PortraitError
from portrait.formats import Format
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.inputs.district import Edition
    from portrait.publish.batch import Source


@dataclass(frozen=True)
class FormatFile:
    """One file written (or, with ``error``, not written)."""

    format: str
    district: str | None
    path: Path
    size: int = 0
    seconds: float = 0.0
    error: PortraitError | None = None


def build_formats(
    project: Project,
    formats: Sequence[Format],
    districts: Sequence[str | Source] = (),
    *,
    portrait: bool = True,
    output: Path | None = None,
    on_file: Callable[[FormatFile], None] | None = None,
) -> list[FormatFile]:
    """The Portrait's edition in each of ``formats`` (unless not ``portrait``) and each district's
    (slugs, or portrait.publish.batch.Source), into ``output`` (default output/). A district whose
    input is wrong fails alone: its FormatFile carries the error."""
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.load import load_inputs
    from portrait.publish.batch import Source, folder_source
    from portrait.publish.produce import Target, produce

    folder = output or project.output
    maker = EditionMaker(project, load_inputs(project))
    results: list[FormatFile] = []

    def one(slug: str | None, load: Callable[[], Edition] | None) -> None:
        try:
            edition = load() if load is not None else None
        except PortraitError as exc:
            for fmt in formats:
                results.append(FormatFile(fmt.name, slug, fmt.output(folder, slug), error=exc))
                if on_file:
                    on_file(results[-1])
            return
        for fmt in formats:
            start = time.perf_counter()
            path = fmt.output(folder, slug)
            try:
                (written,) = produce(project, maker, [Target(path, fmt, edition)])
                result = FormatFile(fmt.name, slug, path, len(written.made.data), time.perf_counter() - start)
            except (BuildError, InputError) as exc:
                if slug is None:
                    raise
                result = FormatFile(fmt.name, slug, path, error=exc)
            results.append(result)
            if on_file:
                on_file(result)

    if portrait:
        one(None, None)
    for district in districts:
        source = district if isinstance(district, Source) else folder_source(project, district)
        one(source.slug, source.load)
    return results
