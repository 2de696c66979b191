"""Stage 1 of every build: read and validate every input of the Portrait, all at once.

Nothing is rendered until all input is known to be valid, and the problems of every file are
reported together in one InputError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portrait.errors import InputError, Problem
from portrait.inputs.brand import Brand, load_brand
from portrait.inputs.build_date import build_time
from portrait.inputs.content import Content, load_content
from portrait.inputs.cover import PlacedCircle, load_cover
from portrait.project import Project


@dataclass(frozen=True)
class Inputs:
    """Everything read from content/ and assets/, validated: what every render starts from."""

    content: Content
    brand: Brand
    cover: list[PlacedCircle]
    built: datetime


def load_inputs(project: Project) -> Inputs:
    """Read content/, the brand and the cover; raise one InputError with every problem found."""
    problems: list[Problem] = []
    content = brand = cover = None
    built = build_time(project)
    try:
        content = load_content(project, built.date())
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
    return Inputs(content, brand, cover, built)
