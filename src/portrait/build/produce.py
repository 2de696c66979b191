"""The build, stage by stage: read and validate every input, then render, check and write.

Nothing is rendered until all input is known to be valid, and every problem in the input is
reported at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from portrait.build.atomic import write_atomic
from portrait.check.facts import PdfFacts
from portrait.check.preflight import check_facts, require
from portrait.errors import InputError, Problem
from portrait.finish.variants import SCREEN, Variant
from portrait.inputs.brand import Brand, load_brand
from portrait.inputs.content import Content, load_content
from portrait.inputs.cover import PlacedCircle, load_cover
from portrait.project import PORTRAIT_PDF, Project, source_epoch
from portrait.render.renderer import Renderer


@dataclass(frozen=True)
class Inputs:
    """Everything read from content/ and assets/, validated."""

    content: Content
    brand: Brand
    cover: list[PlacedCircle]
    built: datetime


@dataclass(frozen=True)
class Built:
    path: Path
    pdf: bytes
    facts: PdfFacts
    seconds: float
    warnings: tuple[str, ...] = ()  # the content's warnings, as printed (file:line: key: message, fix)


def load_inputs(project: Project) -> Inputs:
    """Stage 1. Problems from every file are gathered into one InputError."""
    problems: list[Problem] = []
    content = brand = cover = None
    try:
        content = load_content(project)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        brand = load_brand(project)
        cover = load_cover(project, brand)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    assert content is not None and brand is not None and cover is not None
    return Inputs(content, brand, cover, build_time(project))


def build_time(project: Project) -> datetime:
    """The date printed in and stamped on the PDF.

    SOURCE_DATE_EPOCH when set (reproducible builds); otherwise the time of the last commit, so
    that rebuilding the same commit gives the same bytes; otherwise now.
    """
    epoch = source_epoch(project)
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise InputError(
                Problem(
                    "SOURCE_DATE_EPOCH",
                    f"not a number of seconds: {epoch!r}",
                    fix="unset it or set it to e.g. 1735689600",
                )
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def build_portrait(project: Project, out: Path | None = None, variant: Variant = SCREEN) -> Built:
    return build_portraits(project, [variant], out)[0]


def build_portraits(project: Project, variants: list[Variant], out: Path | None = None) -> list[Built]:
    """Build the Portrait in each variant; ``out`` names the first, the others go beside it.

    Each PDF passes the preflight for its variant before it is written: a file that fails is
    never left in output/.
    """
    inputs = load_inputs(project)
    first = out or project.output / PORTRAIT_PDF
    built = []
    for variant in variants:
        start = time.perf_counter()
        path = output_path(first, variant) if variant is not variants[0] else first
        rendered = Renderer(project, inputs, variant).portrait()
        require(check_facts(rendered.facts, project.relative(path), variant.name))
        write_atomic(path, rendered.pdf)
        warnings = tuple(str(w) for w in inputs.content.warnings)
        built.append(Built(path, rendered.pdf, rendered.facts, time.perf_counter() - start, warnings))
    return built


def output_path(first: Path, variant: Variant) -> Path:
    """``portrait-of-a-leader.pdf`` → ``portrait-of-a-leader-print.pdf``."""
    return first.with_name(first.stem + variant.file_suffix + first.suffix)
