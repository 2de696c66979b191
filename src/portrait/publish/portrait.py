"""The Portrait in each variant, skipped when no input changed since the file was written.

A build that has nothing to do must stay a fraction of a second, so WeasyPrint and the content
models are imported only once something has to be rendered.

When the project has district editions, a build that lays the Portrait out also writes the body
the editions share and keeps it (portrait.publish.body_cache): a ``district`` run after a ``build``
does not lay the body out again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portrait.finish.variants import PRINT, SCREEN, Variant
from portrait.project import Project
from portrait.publish.body_cache import BodyStore
from portrait.publish.cache import input_key, remember, up_to_date, variant_key
from portrait.publish.outputs import beside, output_file

if TYPE_CHECKING:
    from portrait.check.preflight import Report
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.load import Inputs


@dataclass(frozen=True)
class PortraitFile:
    """One file of the Portrait after a build."""

    path: Path
    variant: Variant
    pages: int
    size: int  # bytes
    seconds: float
    skipped: bool  # nothing changed since it was written: the file there was kept
    warnings: tuple[str, ...] = ()  # the content's warnings (file:line: key: message, fix)
    report: Report | None = None  # the preflight of a file built now (None when kept)


def build_portrait(
    project: Project,
    variants: Sequence[Variant] = (SCREEN, PRINT),
    *,
    output: Path | None = None,
    force: bool = False,
    inputs: Inputs | None = None,
) -> list[PortraitFile]:
    """Build the Portrait in each of ``variants`` into output/ (or ``output`` for the first one,
    the others beside it), unless the file is up to date with every input (``force`` rebuilds)."""
    if output is not None:  # before anything is rendered
        from portrait.paths import output_file as writable

        for i, variant in enumerate(variants):
            writable(output if i == 0 else beside(output, variant), probe=True)
    key = input_key(project)
    shared_key: list[str | None] = []  # the editions' shared key, computed when first needed
    maker: EditionMaker | None = None
    results = []
    for i, variant in enumerate(variants):
        start = time.perf_counter()
        if output is None:
            target = output_file(project.output, variant)
        else:
            target = output if i == 0 else beside(output, variant)
        record = None if force else up_to_date(target, variant_key(key, variant.name))
        if record is not None:
            results.append(
                PortraitFile(
                    target,
                    variant,
                    record.pages,
                    target.stat().st_size,
                    time.perf_counter() - start,
                    True,
                    record.warnings,
                )
            )
            continue
        from portrait.formats import pdf_format
        from portrait.formats.maker import EditionMaker
        from portrait.inputs.load import load_inputs
        from portrait.publish.produce import Target, produce

        inputs = inputs or load_inputs(project)
        if maker is None:  # one per build: the screen and print files share the parsed inputs
            maker = EditionMaker(project, inputs, bodies=lambda v: _body_store(project, v, force, shared_key))
        (made,) = produce(project, maker, [Target(target, pdf_format(variant))])
        renderer = maker.renderer(variant)
        if renderer.has_body_store:
            renderer.body()  # kept for the district editions (read back instead if kept already)
        pdf = made.made.data
        warnings = tuple(str(w) for w in inputs.content.warnings)
        remember(target, variant_key(key, variant.name), pdf, made.made.pages, warnings)
        results.append(
            PortraitFile(
                target, variant, made.made.pages, len(pdf), made.made.seconds, False, warnings, made.made.report
            )
        )
    return results


def _body_store(project: Project, variant: Variant, force: bool, shared_key: list[str | None]) -> BodyStore | None:
    """Where to keep the editions' body of ``variant``, or None when the project has no district."""
    from portrait.inputs.district import district_slugs, districts_folder

    if not district_slugs(project):
        return None
    if not shared_key:
        shared_key.append(input_key(project, exclude=(districts_folder(project),)))
    return BodyStore.of(project, variant.name, shared_key[0], reuse=not force)
